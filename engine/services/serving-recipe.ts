// What it takes to start a deployment or an API endpoint again after an engine restart: a recipe, kept beside the
// service's handle while it runs and stored as JSON; a stored recipe is validated before it is trusted.
import { z } from 'zod';
import type { ServiceHandle } from '../../app/nodes/run-contract.ts';
import { apiEndpointConfig } from '../../nodes/api-endpoint/spec.ts';
import { deviceField, threadCount } from '../../nodes/shared/fields.ts';

const deploymentRecipe = z.object({
  kind: z.literal('deployment'),
  /** Kept on restore, so Deployment artifacts and endpoint recipes that name it stay valid. */
  deploymentId: z.string().min(1),
  modelDir: z.string().min(1),
  name: z.string().min(1),
  replicas: z.number().int().min(1),
  maxBatchSize: z.number().int().min(1),
  maxQueue: z.number().int().min(0),
  contextLength: z.number().int().min(0),
  defaults: z.object({ temperature: z.number(), topP: z.number(), topK: z.number(), maxTokens: z.number() }),
  precision: z.enum(['float32', 'q4', 'int8']),
  threadsPerReplica: threadCount.optional(),
  /**
   * The device the deploy node asked for, resolved again on restore (a GPU may have come or gone since). Left out
   * by recipes stored before deployments had devices: those ran on the CPU, and a deploy without one stays there.
   */
  device: deviceField.unwrap().optional(),
});

const endpointRecipe = z.object({
  kind: z.literal('api-endpoint'),
  config: apiEndpointConfig,
  deploymentIds: z.array(z.string().min(1)).min(1),
});

export const servingRecipe = z.discriminatedUnion('kind', [deploymentRecipe, endpointRecipe]);
export type ServingRecipe = z.infer<typeof servingRecipe>;
export type DeploymentRecipe = z.infer<typeof deploymentRecipe>;
export type EndpointRecipe = z.infer<typeof endpointRecipe>;

const recipes = new WeakMap<ServiceHandle, ServingRecipe>();

/** Remembers how to start `handle`'s service again; returns the handle. */
export function withRecipe(handle: ServiceHandle, recipe: ServingRecipe): ServiceHandle {
  recipes.set(handle, recipe);
  return handle;
}

/** The recipe of a handle the serving service made; undefined for every other service. */
export function recipeOf(handle: ServiceHandle): ServingRecipe | undefined {
  return recipes.get(handle);
}
