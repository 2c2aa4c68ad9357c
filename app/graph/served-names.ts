// Two deployments that one endpoint serves under the same name: clients pick a deployment by its name ("model"), so
// the endpoint cannot tell them apart and refuses to start. Reported when the pipeline is validated, before the run
// loads both models only to fail at the endpoint.
import type { NodeSpec } from '../nodes/spec.ts';
import type { Pipeline } from '../pipeline/schema.ts';
import type { ValidationProblem } from './problems.ts';

type Specs = ReadonlyMap<string, NodeSpec | undefined>;
type Configs = ReadonlyMap<string, Record<string, unknown>>;

/** One problem per endpoint input that receives two or more deployments with one name. */
export function checkServedNames(pipeline: Pipeline, specs: Specs, configs: Configs): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const node of pipeline.nodes) {
    for (const port of specs.get(node.id)?.inputs ?? []) {
      if (port.type !== 'Deployment' || port.multi !== true) continue;
      const servers = new Map<string, string[]>();
      for (const edge of pipeline.edges) {
        if (edge.to.node !== node.id || edge.to.port !== port.name) continue;
        const name = configs.get(edge.from.node)?.name;
        if (typeof name !== 'string') continue;
        const nodes = servers.get(name) ?? [];
        if (!nodes.includes(edge.from.node)) nodes.push(edge.from.node);
        servers.set(name, nodes);
      }
      for (const [name, nodes] of servers) {
        if (nodes.length < 2) continue;
        const listed = nodes.map((id) => `"${id}"`).join(', ');
        problems.push({ node: node.id, port: port.name, code: 'duplicate_served_name', message: `deploy nodes ${listed} are all named "${name}", and clients choose a model by its name; give each deploy node its own name` });
      }
    }
  }
  return problems;
}
