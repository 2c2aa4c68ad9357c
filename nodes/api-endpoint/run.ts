// Engine side of the api-endpoint node: serves every input deployment through one OpenAI-compatible server (keys,
// rate limits, usage log in the engine's database) and returns it as a service with its URL.
import type { z } from 'zod';
import type { NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { apiEndpointConfig } from './spec.ts';

type ApiEndpointConfig = z.output<typeof apiEndpointConfig>;
export const apiEndpointRun: NodeRunOf<ApiEndpointConfig> = { type: 'api-endpoint', run: runApiEndpoint };

async function runApiEndpoint(ctx: NodeRunContextOf<ApiEndpointConfig>): Promise<NodeRunResult> {
  const deployments = ctx.inputs('deployments');
  if (deployments.length === 0 && ctx.config.upstreams.length === 0) {
    throw new Error(`api-endpoint node "${ctx.nodeId}": nothing to serve; connect one or more deploy nodes to its "deployments" input or list upstreams in its config`);
  }
  const deploymentIds = deployments.map((artifact) => {
    const id = artifact.meta.deploymentId;
    if (typeof id !== 'string') throw new Error(`api-endpoint node "${ctx.nodeId}": the Deployment artifact ${artifact.key} names no running deployment (meta.deploymentId); re-run its deploy node`);
    return id;
  });
  const started = await ctx.capabilities.serving.startEndpoint({ config: ctx.config, deploymentIds, dataDir: ctx.dataDir, log: (line) => ctx.log(line) });
  return { outputs: {}, service: started.service };
}
