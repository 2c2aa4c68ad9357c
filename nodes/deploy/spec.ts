// The deploy node: loads a model into inference workers with continuous batching, as a long-lived service.
import { z } from 'zod';
import { defineNodeSpec } from '../../app/nodes/spec.ts';
import { deviceField, temperatureField, threadCount, topKField } from '../shared/fields.ts';

export const deployConfig = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must use letters, digits, ".", "_", ":" and "-"')
    .default('crucible-model')
    .describe('Model id clients pass as "model".'),
  replicas: z.number().int().min(1).max(64).default(1).describe('Inference workers.'),
  threads: threadCount
    .default(1)
    .describe('ONNX Runtime threads per replica; 0 uses every core. 1 gives small models the lowest latency; large models on many cores decode faster with more.'),
  maxBatchSize: z.number().int().min(1).max(1024).default(16).describe('Sequences decoded together at each step.'),
  maxQueue: z.number().int().min(0).max(100_000).default(256).describe('Requests waiting beyond the running batch; more get 503.'),
  contextLength: z.number().int().min(0).max(1_000_000).default(0).describe("Longest prompt plus completion; 0 uses the model's context."),
  device: deviceField,
  defaults: z
    .strictObject({
      temperature: temperatureField.describe('Default sampling temperature.'),
      topP: z.number().gt(0).max(1).default(1).describe('Default nucleus probability.'),
      topK: topKField.describe('Default top-k; 0 means all.'),
      maxTokens: z.number().int().min(1).max(1_000_000).default(256).describe('Default completion length.'),
    })
    .default({ temperature: 0.8, topP: 1, topK: 200, maxTokens: 256 })
    .describe('Sampling defaults for requests that leave them out.'),
});

/** A deploy node's config once parsed: what the engine deploys by, and what a deployment's restore recipe keeps. */
export type DeployConfig = z.output<typeof deployConfig>;

export const deploySpec = defineNodeSpec({
  type: 'deploy',
  title: 'Deploy',
  category: 'Serving',
  icon: 'rocket',
  summary: 'Load a model into inference workers as a running service.',
  docs: 'Starts workers with a KV cache and continuous batching. The deployment stays up after the run and is listed under services.',
  version: 1,
  inputs: [{ name: 'model', type: 'Model', title: 'Model', description: 'The model to serve.' }],
  outputs: [{ name: 'deployment', type: 'Deployment', title: 'Deployment', description: 'A running deployment.' }],
  config: deployConfig,
  service: true,
});
