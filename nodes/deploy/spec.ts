// The deploy node: loads a model into inference workers with continuous batching, as a long-lived service.
import { z } from 'zod';
import { defineNodeSpec, type ConfigProblem, type NodeFact } from '../../app/nodes/spec.ts';
import { deviceField, temperatureField, threadCount, topKField } from '../shared/fields.ts';

export const deployConfig = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must use letters, digits, ".", "_", ":" and "-"')
    .default('crucible-model')
    .describe('Model id clients pass as "model".'),
  replicas: z.number().int().min(1).max(64).default(1).describe('Inference workers at start; without minReplicas and maxReplicas, always this many.'),
  minReplicas: z.number().int().min(0).max(64).default(0).describe('Fewest replicas when autoscaling; 0 follows replicas.'),
  maxReplicas: z
    .number()
    .int()
    .min(0)
    .max(64)
    .default(0)
    .describe('Most replicas when autoscaling; 0 follows replicas. Above minReplicas, replicas are added under load and drained when idle.'),
  autoscale: z
    .strictObject({
      scaleUpQueue: z.number().int().min(1).max(100_000).default(1).describe('Requests waiting for a batch slot that count as pressure.'),
      scaleUpTtftMs: z.number().int().min(1).max(600_000).default(2_000).describe('Median time to first token (ms) over the last 5 s that counts as pressure.'),
      scaleUpAfterSeconds: z.number().min(0).max(3_600).default(3).describe('Pressure must last this long before a replica is added.'),
      scaleDownAfterSeconds: z.number().min(0).max(86_400).default(60).describe('Quiet must last this long before a replica is drained and stopped.'),
    })
    .default({ scaleUpQueue: 1, scaleUpTtftMs: 2_000, scaleUpAfterSeconds: 3, scaleDownAfterSeconds: 60 })
    .describe('When replicas are added and removed (only when maxReplicas is above minReplicas).'),
  threads: threadCount
    .default(1)
    .describe('ONNX Runtime threads per replica; 0 uses every core. 1 gives small models the lowest latency; large models on many cores decode faster with more.'),
  maxBatchSize: z.number().int().min(1).max(1024).default(16).describe('Sequences decoded together at each step.'),
  maxQueue: z.number().int().min(0).max(100_000).default(256).describe('Requests waiting beyond the running batch; more get 503.'),
  contextLength: z.number().int().min(0).max(1_000_000).default(0).describe("Longest prompt plus completion; 0 uses the model's context."),
  device: deviceField,
  draftModel: z
    .string()
    .max(4096)
    .default('')
    .describe('Folder of a draft model for speculative decoding: a distilled student of this model with its tokenizer (the distill node makes one). It proposes draftTokens tokens that the model checks in one step; the output is unchanged. Empty: none.'),
  draftTokens: z.number().int().min(1).max(16).default(4).describe('Tokens the draft model proposes per step.'),
  defaults: z
    .strictObject({
      temperature: temperatureField.describe('Default sampling temperature.'),
      topP: z.number().gt(0).max(1).default(1).describe('Default nucleus probability.'),
      topK: topKField.describe('Default top-k; 0 means all.'),
      maxTokens: z
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .nullable()
        .default(null)
        .describe('Completion length for requests that leave max_tokens out. Empty: the rest of the context, as OpenAI does for chat (a reply is cut only where the context ends).'),
    })
    .default({ temperature: 0.8, topP: 1, topK: 200, maxTokens: null })
    .describe('Sampling defaults for requests that leave them out.'),
});

/** A deploy node's config once parsed: what the engine deploys by, and what a deployment's restore recipe keeps. */
export type DeployConfig = z.output<typeof deployConfig>;

export interface ReplicaRange {
  /** Replicas started with the deployment. */
  initial: number;
  min: number;
  max: number;
}

/**
 * How many replicas a deployment runs: `replicas` at start, between minReplicas and maxReplicas after. Either bound
 * left at 0 follows `replicas` (so a config with neither keeps `replicas` fixed, as before autoscaling); a start
 * outside the bounds is moved inside them.
 */
export function replicaRange(config: Pick<DeployConfig, 'replicas' | 'minReplicas' | 'maxReplicas'>): ReplicaRange {
  const min = config.minReplicas || Math.min(config.replicas, config.maxReplicas || config.replicas);
  const max = config.maxReplicas || Math.max(config.replicas, min);
  return { initial: Math.min(Math.max(config.replicas, min), max), min, max };
}

/** The inspector's line for the replicas: a fixed count, or the range autoscaling keeps to and where it starts. */
function replicaFacts(config: DeployConfig): NodeFact[] {
  const { initial, min, max } = replicaRange(config);
  if (min === max) return [{ label: 'Replicas', value: String(min), note: 'fixed; set maxReplicas above it to scale with the load' }];
  const { scaleUpAfterSeconds, scaleDownAfterSeconds } = config.autoscale;
  const note = `starts with ${initial}; adds one after ${scaleUpAfterSeconds} s of queue or slow first tokens, drains one after ${scaleDownAfterSeconds} s quiet`;
  return [{ label: 'Replicas', value: `${min}–${max}`, note }];
}

function checkReplicaRange(config: DeployConfig): ConfigProblem[] {
  if (config.minReplicas > 0 && config.maxReplicas > 0 && config.minReplicas > config.maxReplicas) {
    return [{ field: 'maxReplicas', message: `must be at least minReplicas (${config.minReplicas}), not ${config.maxReplicas}` }];
  }
  if (config.maxReplicas > 0 && config.replicas > config.maxReplicas) {
    return [{ field: 'replicas', message: `starts above maxReplicas (${config.maxReplicas}); lower replicas to at most ${config.maxReplicas} or raise maxReplicas` }];
  }
  return [];
}

export const deploySpec = defineNodeSpec({
  type: 'deploy',
  title: 'Deploy',
  category: 'Serving',
  icon: 'rocket',
  summary: 'Load a model into inference workers as a running service.',
  docs: 'Starts workers with a KV cache and continuous batching. The deployment stays up after the run and is listed under services. With maxReplicas above minReplicas it adds a replica while requests queue (or the first token is slow) and drains one after a quiet spell; new replicas take requests once loaded.',
  version: 1,
  inputs: [{ name: 'model', type: 'Model', title: 'Model', description: 'The model to serve.' }],
  outputs: [{ name: 'deployment', type: 'Deployment', title: 'Deployment', description: 'A running deployment.' }],
  config: deployConfig,
  pathFields: ['draftModel'],
  service: true,
  checkConfig: checkReplicaRange,
  facts: replicaFacts,
});
