// Compiles the CLI, the engine server and every worker entry to JavaScript with esbuild: dist/node/cli.js,
// dist/node/engine.js and dist/node/<worker>.js (shared code in chunks beside them), with source maps. `npm run build`;
// `npm ci` runs it through `prepare`. Packages stay external (node_modules is resolved at run time, as from the sources).
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
export const NODE_BUILD_DIR = path.join(root, 'dist', 'node');
/** The PyTorch runner's Python package, beside the engine build (engine/torch-runner/trainer-package.ts finds it there). */
export const TORCH_BUILD_DIR = path.join(root, 'dist', 'torch');
/** The system Node the engine supports (package.json engines) and Electron 40's Node both run this. */
const NODE_TARGET = 'node20.6';

/** Worker modules are started by URL (`new URL('./x-worker.ts', import.meta.url)`), so the build finds them the same way. */
const WORKER_URL = /new URL\('\.\/([\w-]+)\.ts', import\.meta\.url\)/g;

export function workerEntries(engineDir = path.join(root, 'engine')): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const file of readdirSync(engineDir, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const source = readFileSync(path.join(engineDir, file), 'utf8');
    for (const match of source.matchAll(WORKER_URL)) {
      const name = match[1] as string;
      const entry = path.join(engineDir, path.dirname(file), `${name}.ts`);
      if (entries[name] && entries[name] !== entry) throw new Error(`build: two worker modules are named ${name}.ts (${entries[name]}, ${entry}); rename one`);
      entries[name] = entry;
    }
  }
  return entries;
}

export async function buildNode(outDir = NODE_BUILD_DIR, torchDir = TORCH_BUILD_DIR): Promise<string[]> {
  const entryPoints = { cli: 'engine/cli/entry.ts', engine: 'engine/api/main.ts', ...workerEntries() };
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir: outDir,
    // Chunks sit beside the entries: engine/build-mode.ts finds the root two folders up from whichever file holds it.
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: NODE_TARGET,
    packages: 'external',
    define: { __CRUCIBLE_BUILT__: 'true' },
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
    absWorkingDir: root,
  });
  copyTorchTrainer(torchDir);
  return Object.keys(entryPoints).map((name) => path.join(outDir, `${name}.js`));
}

/** Copies engine/torch/crucible_torch (no caches, no Python tests) to `toDir`/crucible_torch. */
export function copyTorchTrainer(toDir: string): void {
  rmSync(toDir, { recursive: true, force: true });
  cpSync(path.join(root, 'engine', 'torch', 'crucible_torch'), path.join(toDir, 'crucible_torch'), {
    recursive: true,
    filter: (source) => !source.includes('__pycache__') && !source.endsWith('.pyc') && !/(^|[\\/])test_[^\\/]*\.py$/.test(source),
  });
}

if (import.meta.filename === process.argv[1]) {
  const outputs = await buildNode();
  console.log(`build: wrote ${outputs.map((file) => path.relative(root, file)).join(', ')}`);
}
