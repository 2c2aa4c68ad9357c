// Fails (exit 1) when an import points the wrong way between app/, nodes/, engine/, renderer/ and main/.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkLayers } from './layers.ts';

const root = path.resolve(import.meta.dirname, '..');
const LAYER_FOLDERS = ['app', 'nodes', 'engine', 'renderer', 'main'];
const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;

function collect(folder: string, into: Map<string, string>): void {
  for (const entry of readdirSync(path.join(root, folder), { withFileTypes: true })) {
    const relative = `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') collect(relative, into);
    } else if (SOURCE.test(entry.name)) {
      into.set(relative, readFileSync(path.join(root, relative), 'utf8'));
    }
  }
}

const files = new Map<string, string>();
for (const folder of LAYER_FOLDERS) collect(folder, files);
const violations = checkLayers(files);
for (const v of violations) console.error(`${v.file}: import "${v.specifier}": ${v.message}`);
if (violations.length > 0) {
  console.error(`lint-layers: ${violations.length} import(s) point the wrong way`);
  process.exit(1);
}
console.log(`lint-layers: ${files.size} files, imports point one way`);
