#!/usr/bin/env node
// The `crucible` command: runs the built CLI (dist/node/cli.js, from `npm run build`, which `npm ci` runs). A checkout
// without a build, or CRUCIBLE_FROM_SOURCE=1, runs the TypeScript through tsx. So does a git checkout whose sources
// changed after the last build: it says so and runs them, rather than yesterday's dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';

const built = new URL('../dist/node/cli.js', import.meta.url);
const stale = process.env.CRUCIBLE_FROM_SOURCE !== '1' && existsSync(built) ? newerSource(built) : null;
if (stale !== null) process.stderr.write(`crucible: ${stale} changed after the last build; running from source (npm run build to refresh dist/)\n`);
if (process.env.CRUCIBLE_FROM_SOURCE !== '1' && existsSync(built) && stale === null) {
  await import(built.href);
} else if (!existsSync(new URL('../node_modules/tsx/package.json', import.meta.url))) {
  process.stderr.write('crucible: there is no build in dist/ and no tsx to run the TypeScript sources with (an install with --omit=dev?); run `npm ci`, which builds dist/, or `npm run build` where the development dependencies are installed\n');
  process.exitCode = 1;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../engine/cli/entry.ts');
}

/** In a git checkout with tsx at hand, the first bundled source (engine/, app/, nodes/) newer than the build, or null. */
function newerSource(buildFile) {
  const root = new URL('../', import.meta.url);
  if (!existsSync(new URL('.git', root)) || !existsSync(new URL('node_modules/tsx', root))) return null;
  const builtAt = statSync(buildFile).mtimeMs;
  const pending = ['engine', 'app', 'nodes'];
  while (pending.length > 0) {
    const folder = pending.pop();
    for (const entry of readdirSync(new URL(folder, root), { withFileTypes: true })) {
      const relative = `${folder}/${entry.name}`;
      if (entry.isDirectory()) pending.push(relative);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && statSync(new URL(relative, root)).mtimeMs > builtAt) return relative;
    }
  }
  return null;
}
