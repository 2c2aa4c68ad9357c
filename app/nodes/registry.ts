// A lookup of node specs by type. Always passed in, never a global, so tests register fixture types.
import type { NodeSpec } from './spec.ts';

export class NodeRegistry {
  readonly #specs = new Map<string, NodeSpec>();

  constructor(specs: Iterable<NodeSpec> = []) {
    for (const spec of specs) this.register(spec);
  }

  register(spec: NodeSpec): this {
    if (this.#specs.has(spec.type)) throw new Error(`node type "${spec.type}" is registered twice`);
    this.#specs.set(spec.type, spec);
    return this;
  }

  get(type: string): NodeSpec | undefined {
    return this.#specs.get(type);
  }

  has(type: string): boolean {
    return this.#specs.has(type);
  }

  list(): NodeSpec[] {
    return [...this.#specs.values()];
  }
}
