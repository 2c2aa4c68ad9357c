#!/usr/bin/env node
// The `crucible` command: runs the built CLI (dist/node/cli.js, from `npm run build`, which `npm ci` runs). A checkout
// without a build, or CRUCIBLE_FROM_SOURCE=1 (after editing sources, before rebuilding), runs the TypeScript through tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/node/cli.js', import.meta.url);
if (process.env.CRUCIBLE_FROM_SOURCE !== '1' && existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../engine/cli/entry.ts');
}
