// Bundles the Electron main process and its preload with esbuild (Electron cannot load TypeScript):
// main/src/main.ts → main/dist/main.js (ESM) and main/src/preload.ts → main/dist/preload.cjs (CommonJS, as sandboxed
// preloads must be). `npm run build:main`.
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const ELECTRON_NODE_TARGET = 'node22';

const shared: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: ELECTRON_NODE_TARGET,
  external: ['electron'],
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
};

export async function buildMain(outDir = path.join(root, 'main', 'dist')): Promise<string[]> {
  const outputs = [path.join(outDir, 'main.js'), path.join(outDir, 'preload.cjs')];
  await Promise.all([
    build({ ...shared, entryPoints: ['main/src/main.ts'], format: 'esm', outfile: outputs[0] }),
    build({ ...shared, entryPoints: ['main/src/preload.ts'], format: 'cjs', outfile: outputs[1] }),
  ]);
  return outputs;
}

if (import.meta.filename === process.argv[1]) {
  const outputs = await buildMain();
  console.log(`build-main: wrote ${outputs.map((file) => path.relative(root, file)).join(', ')}`);
}
