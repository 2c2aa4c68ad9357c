// What it takes to start a deployment or an API endpoint again after an engine restart: a recipe, kept beside the
// service's handle while it runs and stored as JSON. A stored recipe is brought up to date and checked by the node's
// own config schema before it is trusted.
import { z } from 'zod';
import { DECODER_PRECISIONS } from '../../app/artifacts/model-layout.ts';
import type { ServiceHandle } from '../../app/nodes/run-contract.ts';
import { apiEndpointConfig } from '../../nodes/api-endpoint/spec.ts';
import { deployConfig } from '../../nodes/deploy/spec.ts';

/** A deploy node's config, whole, and what the engine added to it: the deployment's id and which model it serves. */
const deploymentRecipe = z.object({
  kind: z.literal('deployment'),
  /** Kept on restore, so Deployment artifacts and endpoint recipes that name it stay valid. */
  deploymentId: z.string().min(1),
  modelDir: z.string().min(1),
  precision: z.enum(DECODER_PRECISIONS),
  /** Checked and defaulted as the node's config is: a field the node gained since the recipe was stored gets its default. */
  config: deployConfig,
});

const endpointRecipe = z.object({
  kind: z.literal('api-endpoint'),
  config: apiEndpointConfig,
  /** Empty for an endpoint that only routes to its config's upstreams. */
  deploymentIds: z.array(z.string().min(1)),
});

const currentRecipe = z.discriminatedUnion('kind', [deploymentRecipe, endpointRecipe]);

/** Parses a stored recipe, in the current shape or an older one. */
export const servingRecipe = z.preprocess(fromOlderShape, currentRecipe);
export type ServingRecipe = z.output<typeof currentRecipe>;
export type DeploymentRecipe = z.output<typeof deploymentRecipe>;

/**
 * Deployment recipes stored before they kept the deploy config whole were flat: the config's fields beside the
 * engine's, `threads` stored as `threadsPerReplica`. The oldest have no `device`: they ran on the CPU, so they come
 * back there (a deploy config without a device asks for `auto`). Those without a thread count ran on one thread per
 * replica, the config's default, which fills it in.
 */
function fromOlderShape(stored: unknown): unknown {
  if (!isFlatDeploymentRecipe(stored)) return stored;
  const { kind, deploymentId, modelDir, precision, threadsPerReplica, device, ...config } = stored;
  const threads = threadsPerReplica === undefined ? {} : { threads: threadsPerReplica };
  return { kind, deploymentId, modelDir, precision, config: { ...config, ...threads, device: device ?? 'cpu' } };
}

function isFlatDeploymentRecipe(stored: unknown): stored is Record<string, unknown> {
  return typeof stored === 'object' && stored !== null && (stored as { kind?: unknown }).kind === 'deployment' && !('config' in stored);
}

const recipes = new WeakMap<ServiceHandle, ServingRecipe>();

/** Remembers how to start `handle`'s service again; returns the handle. */
export function withRecipe(handle: ServiceHandle, recipe: ServingRecipe): ServiceHandle {
  recipes.set(handle, recipe);
  return handle;
}

/** The recipe of a handle the serving capability made; undefined for every other service. */
export function recipeOf(handle: ServiceHandle): ServingRecipe | undefined {
  return recipes.get(handle);
}
