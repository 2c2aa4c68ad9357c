// Stored recipes are checked by the nodes' own config schemas, and deployment recipes stored in an older, flat shape
// are brought to the current one: the device they ran on, their thread count renamed, defaults for what they lack.
import { describe, expect, it } from 'vitest';
import { deployConfig } from '../../nodes/deploy/spec.ts';
import { servingRecipe } from './serving-recipe.ts';

const defaults = { temperature: 0.8, topP: 1, topK: 200, maxTokens: 8 };
/** The fields every stored deployment recipe has had, in the flat shape. */
const flat = { kind: 'deployment', deploymentId: 'dep-1', modelDir: '/models/m', name: 'm', replicas: 2, maxBatchSize: 4, maxQueue: 8, contextLength: 0, defaults, precision: 'q4' };

describe('a stored deployment recipe', () => {
  it('keeps the deploy config whole, checked and defaulted by the deploy node’s schema', () => {
    const config = deployConfig.parse({ name: 'm', device: 'cuda', threads: 0 });
    expect(servingRecipe.parse({ kind: 'deployment', deploymentId: 'dep-1', modelDir: '/models/m', precision: 'float32', config })).toEqual({ kind: 'deployment', deploymentId: 'dep-1', modelDir: '/models/m', precision: 'float32', config });
    const { maxQueue: _maxQueue, ...lacking } = config;
    expect(servingRecipe.parse({ kind: 'deployment', deploymentId: 'dep-1', modelDir: '/models/m', precision: 'float32', config: lacking }).config).toEqual(config);
  });

  it('is refused where the deploy node would refuse its config', () => {
    const config = { ...deployConfig.parse({}), replicas: 65 };
    expect(servingRecipe.safeParse({ kind: 'deployment', deploymentId: 'dep-1', modelDir: '/models/m', precision: 'float32', config }).success).toBe(false);
    expect(servingRecipe.safeParse({ ...flat, name: 'not a model id' }).success).toBe(false);
  });

  it('in the oldest shape (no device, no thread count) comes back on the CPU it ran on, one thread per replica', () => {
    expect(servingRecipe.parse(flat)).toEqual({
      kind: 'deployment',
      deploymentId: 'dep-1',
      modelDir: '/models/m',
      precision: 'q4',
      config: deployConfig.parse({ name: 'm', replicas: 2, maxBatchSize: 4, maxQueue: 8, contextLength: 0, defaults, device: 'cpu', threads: 1 }),
    });
  });

  it('in the flat shape with a device and threadsPerReplica keeps both, as the config’s device and threads', () => {
    const parsed = servingRecipe.parse({ ...flat, device: 'auto', threadsPerReplica: 3 });
    expect(parsed).toMatchObject({ kind: 'deployment', config: { device: 'auto', threads: 3, replicas: 2 } });
    expect(parsed.kind === 'deployment' && parsed.config).not.toHaveProperty('threadsPerReplica');
  });
});

describe('a stored endpoint recipe', () => {
  it('is left as it is', () => {
    const recipe = servingRecipe.parse({ kind: 'api-endpoint', config: { port: 0 }, deploymentIds: ['dep-1'] });
    expect(recipe).toMatchObject({ kind: 'api-endpoint', deploymentIds: ['dep-1'], config: { port: 0 } });
  });
});
