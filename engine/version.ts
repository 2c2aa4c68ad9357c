// The product version, read once from package.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const CRUCIBLE_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
