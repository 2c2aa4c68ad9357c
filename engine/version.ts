// The product version, read once from package.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './build-mode.ts';

export const CRUCIBLE_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
