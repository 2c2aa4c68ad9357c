// Node types that exist only in tests: small, with every port shape the real catalogue uses.
import { z } from 'zod';
import { NodeRegistry } from '../nodes/registry.ts';
import { defineNodeSpec } from '../nodes/spec.ts';

export const sourceSpec = defineNodeSpec({
  type: 'test-source',
  title: 'Test source',
  category: 'Data',
  icon: 'database',
  summary: 'Emits a corpus.',
  docs: '',
  version: 2,
  inputs: [],
  outputs: [{ name: 'corpus', type: 'Corpus', title: 'Corpus', description: '' }],
  config: z.strictObject({
    text: z.string().default('hello').describe('Text to emit.'),
    repeat: z.number().int().min(1).max(100).default(1).describe('Times to repeat it.'),
  }),
});

export const encodeSpec = defineNodeSpec({
  type: 'test-encode',
  title: 'Test encode',
  category: 'Data',
  icon: 'scissors',
  summary: 'Corpus to tokens.',
  docs: '',
  version: 1,
  inputs: [{ name: 'corpus', type: 'Corpus', title: 'Corpus', description: '' }],
  outputs: [{ name: 'tokens', type: 'Tokens', title: 'Tokens', description: '' }],
  config: z.strictObject({
    nEmbd: z.number().int().min(1).max(4096).default(128).describe('Width.'),
    nHead: z.number().int().min(1).max(64).default(4).describe('Heads.'),
  }),
  checkConfig: (c) => (c.nEmbd % c.nHead === 0 ? [] : [{ field: 'nEmbd', message: `${c.nEmbd} must be divisible by nHead (${c.nHead})` }]),
});

export const trainSpec = defineNodeSpec({
  type: 'test-train',
  title: 'Test train',
  category: 'Training',
  icon: 'flame',
  summary: 'Tokens to model.',
  docs: '',
  version: 1,
  inputs: [{ name: 'tokens', type: 'Tokens', title: 'Tokens', description: '' }],
  outputs: [{ name: 'model', type: 'Model', title: 'Model', description: '' }],
  config: z.strictObject({ steps: z.number().int().min(1).default(10).describe('Steps.') }),
});

export const serveSpec = defineNodeSpec({
  type: 'test-serve',
  title: 'Test serve',
  category: 'Serving',
  icon: 'plug',
  summary: 'Many models in.',
  docs: '',
  version: 1,
  inputs: [{ name: 'models', type: 'Model', title: 'Models', description: '', multi: true }],
  outputs: [],
  config: z.strictObject({}),
  service: true,
});

/** Model in, Model out: lets tests build loops whose edges are otherwise sound. */
export const relaySpec = defineNodeSpec({
  type: 'test-relay',
  title: 'Test relay',
  category: 'Optimization',
  icon: 'compress',
  summary: 'Model to model.',
  docs: '',
  version: 1,
  inputs: [{ name: 'model', type: 'Model', title: 'Model', description: '' }],
  outputs: [{ name: 'model', type: 'Model', title: 'Model', description: '' }],
  config: z.strictObject({}),
});

export function fixtureRegistry(): NodeRegistry {
  return new NodeRegistry([sourceSpec, encodeSpec, trainSpec, serveSpec, relaySpec]);
}
