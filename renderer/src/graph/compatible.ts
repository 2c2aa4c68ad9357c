// Which node types can take the other end of a connection dropped on empty canvas: for a dragged output, types
// with an input of the same port type; for a dragged input, types with such an output.
import type { NodeTypeInfo } from '../../../app/nodes/catalogue.ts';

export interface CompatibleChoice {
  type: string;
  title: string;
  icon: string;
  /** The port on the new node that the connection will use. */
  port: string;
  portTitle: string;
}

export function compatibleNodeTypes(catalogue: readonly NodeTypeInfo[], portType: string, draggedFrom: 'output' | 'input'): CompatibleChoice[] {
  const choices: CompatibleChoice[] = [];
  for (const info of catalogue) {
    const ports = draggedFrom === 'output' ? info.inputs : info.outputs;
    const port = ports.find((candidate) => candidate.type === portType);
    if (port) choices.push({ type: info.type, title: info.title, icon: info.icon, port: port.name, portTitle: port.title });
  }
  return choices;
}
