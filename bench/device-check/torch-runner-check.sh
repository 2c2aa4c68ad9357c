#!/usr/bin/env bash
# The torch runner on a lent NVIDIA GPU: nanoGPT's shakespeare-char GPU config through Crucible's PyTorch trainer
# (engine/torch/crucible_torch), one rank on CUDA, then the ONNX Runtime runner's speed on the same machine (the
# packaged device-check's training steps). Prepare here first:
#   node --import tsx bench/device-check/torch-runner-job.ts            (writes dist/device-check/torch-job)
#   bash bench/device-check/package.sh                                   (ORT's check, optional)
# then on the GPU machine, from the repository root:
#   bash bench/device-check/torch-runner-check.sh [JOB_DIR] [NPROC]
# Prints the val loss at each evaluation, the final val loss and the wall time (nanoGPT: 1.4697 in ~3 min on an A100).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
job_dir="$(cd "${1:-$repo/dist/device-check/torch-job}" && pwd)"
nproc="${2:-1}"
python="${PYTHON:-python3}"
"$python" -c 'import torch; assert torch.cuda.is_available(), "torch sees no GPU"; print("torch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0), "bf16", torch.cuda.is_bf16_supported())'
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
cd "$job_dir"
started=$(date +%s.%N)
if [ "$nproc" = 1 ]; then
  RANK=0 LOCAL_RANK=0 WORLD_SIZE=1 PYTHONPATH="$repo/engine/torch" "$python" -m crucible_torch train --job JOB.json | tee events.jsonl
else
  PYTHONPATH="$repo/engine/torch" "$python" -m torch.distributed.run --standalone --nproc_per_node "$nproc" -m crucible_torch train --job JOB.json | tee events.jsonl
fi
ended=$(date +%s.%N)
"$python" - "$started" "$ended" <<'PY'
import json, sys
started, ended = float(sys.argv[1]), float(sys.argv[2])
events = [json.loads(line) for line in open("events.jsonl") if line.startswith("{")]
evals = [e for e in events if e["event"] == "eval"]
steps = [e for e in events if e["event"] == "step"]
timed = sorted(e["tokensPerSec"] for e in steps[10:]) or [0]
print("\n| step | train loss | val loss |\n| --- | --- | --- |")
for e in evals:
    print(f"| {e['step']} | {e['trainLoss']:.4f} | {e['valLoss']:.4f} |")
print(f"\nfinal val loss {evals[-1]['valLoss']:.4f} after {steps[-1]['step']} steps; wall {ended - started:.1f} s; "
      f"median {timed[len(timed) // 2]:.0f} tokens/s (steps after the 10th); nanoGPT: 1.4697 in ~3 min on an A100")
PY
if [ -x "$repo/dist/device-check/run.sh" ]; then
  echo; echo "ONNX Runtime runner on this machine (training steps, every provider it can load):"
  DEVICE_CHECK_STEPS="${DEVICE_CHECK_STEPS:-6}" bash "$repo/dist/device-check/run.sh" device-check
fi
