// Writing pipeline files: sorted keys, nodes and edges in their stable order, 2-space indent, newline at the end,
// so saving an unchanged pipeline rewrites the same bytes.
import { sortKeysDeep } from './canonical-json.ts';
import { findSecrets } from './secrets.ts';
import type { Pipeline } from './schema.ts';

export function serializePipeline(pipeline: Pipeline): string {
  const secrets = findSecrets(pipeline);
  if (secrets.length > 0) {
    const where = secrets.map((s) => s.path).join(', ');
    throw new Error(`refusing to save: ${where} looks like an API key. Secrets are never stored in pipeline files; manage keys with "crucible keys".`);
  }
  return `${JSON.stringify(sortKeysDeep(pipeline), null, 2)}\n`;
}
