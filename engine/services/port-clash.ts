// Validation's warnings for api-endpoints that cannot all listen: two endpoints of the pipeline on one port, or an
// endpoint whose port a service of this engine (other than the one a rerun of the same node replaces) or a foreign
// process already holds. Warnings, not errors: the holder may be stopped before the run.
import type { ValidationProblem } from '../../app/graph/problems.ts';
import type { Pipeline } from '../../app/pipeline/schema.ts';
import { apiEndpointConfig } from '../../nodes/api-endpoint/spec.ts';
import { listeningProcess, serviceOnPort } from './port-holder.ts';
import type { ServiceRegistry } from './service-registry.ts';
import { describeService } from './service-succession.ts';

const WAYS_OUT = 'give one of them another port (0 picks a free one)';

/** `pipelineId` as the executor names the pipeline (file path or `unsaved:NAME`): its own services are not clashes. */
export function portClashProblems(pipeline: Pipeline, pipelineId: string, services: ServiceRegistry): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const firstOnPort = new Map<number, string>();
  const running = services.running();
  for (const node of pipeline.nodes) {
    if (node.type !== 'api-endpoint') continue;
    const config = apiEndpointConfig.safeParse(node.config ?? {});
    if (!config.success || config.data.port === 0) continue; // an invalid config has its own problem; 0 never clashes
    const { port } = config.data;
    const warn = (message: string) => problems.push({ node: node.id, field: 'port', code: 'port_clash', severity: 'warning', message });
    const first = firstOnPort.get(port);
    if (first !== undefined) {
      warn(`port ${port} is also asked for by api-endpoint "${first}" of this pipeline; only one can listen there: ${WAYS_OUT}`);
      continue;
    }
    firstOnPort.set(port, node.id);
    const holder = serviceOnPort(running, port);
    if (holder) {
      const owner = services.ownerOf(holder.id);
      if (owner?.pipelineId === pipelineId && holder.node === node.id) continue; // this node's own service: a rerun replaces it
      warn(`port ${port} is held by ${describeService(holder)}, so this endpoint will not start: stop that service (Serving tab › Stop, or crucible services stop ${holder.id}) or ${WAYS_OUT}`);
      continue;
    }
    const process = listeningProcess(port);
    if (process) warn(`port ${port} is held by process ${process.pid} (${process.command}), so this endpoint will not start: stop it or ${WAYS_OUT}`);
  }
  return problems;
}
