// `crucible node-types [--json]`: the catalogue of node types with their ports, generated from the specs.
import { catalogue } from '../../../app/nodes/catalogue.ts';
import type { NodeRegistry } from '../../../app/nodes/registry.ts';
import { EXIT, type CliIo } from '../io.ts';

export function nodeTypesCommand(registry: NodeRegistry, json: boolean, io: CliIo): number {
  const types = catalogue(registry);
  if (json) {
    io.stdout.write(`${JSON.stringify(types, null, 2)}\n`);
    return EXIT.ok;
  }
  for (const info of types) {
    const inputs = info.inputs.map((p) => `${p.name}: ${p.type}${p.multi ? '[]' : ''}`).join(', ') || '—';
    const outputs = info.outputs.map((p) => `${p.name}: ${p.type}`).join(', ') || (info.service ? '(service)' : '—');
    io.stdout.write(`${info.type.padEnd(14)} ${info.category.padEnd(13)} (${inputs}) → (${outputs})\n`);
    io.stdout.write(`${''.padEnd(14)} ${info.summary}\n`);
  }
  return EXIT.ok;
}
