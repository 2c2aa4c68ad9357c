#!/usr/bin/env bash
# Packs the device checks for a GPU server without Node.js: each check bundled into one file, onnxruntime-node with
# only its linux-x64 libraries, and an xz-compressed node binary — under 64 MiB in all. Usage:
#   bash bench/device-check/package.sh [OUT_DIR]      (default: dist/device-check)
# then, on the server:  bash OUT_DIR/run.sh [device-check|serve-check]   (training steps by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-dist/device-check}"
rm -rf "$out" && mkdir -p "$out/stage/node_modules"

for check in device-check serve-check; do
  node_modules/.bin/esbuild "bench/device-check/$check.ts" --bundle --platform=node --format=esm \
    --target=node20 --external:onnxruntime-node --outfile="$out/stage/$check.mjs" --log-level=warning
done

for pkg in onnxruntime-node onnxruntime-common; do
  mkdir -p "$out/stage/node_modules/$pkg"
  cp -r "node_modules/$pkg/package.json" "node_modules/$pkg/dist" "$out/stage/node_modules/$pkg/"
done
mkdir -p "$out/stage/node_modules/onnxruntime-node/bin/napi-v6/linux"
cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$out/stage/node_modules/onnxruntime-node/bin/napi-v6/linux/"

tar -C "$out/stage" -cJf "$out/check.tar.xz" .
xz -T0 -6 -c "$(command -v node)" > "$out/node.xz"
rm -rf "$out/stage"

cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Unpacks node and the checks into a temp folder and runs one: device-check (default; DEVICE_CHECK_PROVIDERS /
# _STEPS / _THREADS tune it) or serve-check (SERVE_CHECK_PROVIDERS / _THREADS).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
xz -dc "$here/node.xz" > "$work/node" && chmod +x "$work/node"
tar -C "$work" -xJf "$here/check.tar.xz"
check="${1:-device-check}"
cd "$work" && ./node "$check.mjs"
RUN
chmod +x "$out/run.sh"
du -ch "$out"/* | tail -1 | sed 's/total/in all/'
