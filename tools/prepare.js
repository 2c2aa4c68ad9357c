// `npm ci`'s prepare step: builds dist/ (tools/build.ts) when the build tools, which are development dependencies,
// are installed. `npm ci --omit=dev` leaves them out: then nothing can be built here, so it says so and succeeds
// rather than failing the whole install, and `crucible` explains at start what is missing (bin/crucible.js).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The development dependencies the build runs on that are missing under `root`'s node_modules. */
export function missingBuildTools(root) {
  return ['tsx', 'esbuild'].filter((name) => !existsSync(new URL(`node_modules/${name}/package.json`, root)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = new URL('../', import.meta.url);
  const missing = missingBuildTools(root);
  if (missing.length > 0) {
    console.log(`prepare: not building dist/: the build tools (${missing.join(', ')}) are development dependencies and are not installed; run \`npm ci\` without --omit=dev, then \`npm run build\``);
  } else {
    const build = spawnSync(process.execPath, ['--import', 'tsx', 'tools/build.ts'], { cwd: fileURLToPath(root), stdio: 'inherit' });
    process.exitCode = build.status ?? 1;
  }
}
