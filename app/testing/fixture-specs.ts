// Node types that exist only in tests: small, with every port shape the real catalogue uses.
import { z } from 'zod';
import type { PortSpec, PortType } from '../nodes/ports.ts';
import { NodeRegistry } from '../nodes/registry.ts';
import { defineNodeSpec } from '../nodes/spec.ts';

/** What every fixture spec leaves plain: no docs, version 1 unless it says otherwise. */
const plain = { docs: '', version: 1 } as const;

/** A port named after its artifact type, with no description; `extra` renames it or makes it multi. */
const port = (type: PortType, extra: Partial<PortSpec> = {}): PortSpec => ({ name: type.toLowerCase(), type, title: type, description: '', ...extra });

export const sourceSpec = defineNodeSpec({
  ...plain,
  type: 'test-source',
  title: 'Test source',
  category: 'Data',
  icon: 'database',
  summary: 'Emits a corpus.',
  version: 2,
  inputs: [],
  outputs: [port('Corpus')],
  config: z.strictObject({
    text: z.string().default('hello').describe('Text to emit.'),
    repeat: z.number().int().min(1).max(100).default(1).describe('Times to repeat it.'),
  }),
});

export const encodeSpec = defineNodeSpec({
  ...plain,
  type: 'test-encode',
  title: 'Test encode',
  category: 'Data',
  icon: 'scissors',
  summary: 'Corpus to tokens.',
  inputs: [port('Corpus')],
  outputs: [port('Tokens')],
  config: z.strictObject({
    nEmbd: z.number().int().min(1).max(4096).default(128).describe('Width.'),
    nHead: z.number().int().min(1).max(64).default(4).describe('Heads.'),
  }),
  checkConfig: (c) => (c.nEmbd % c.nHead === 0 ? [] : [{ field: 'nEmbd', message: `${c.nEmbd} must be divisible by nHead (${c.nHead})` }]),
});

export const trainSpec = defineNodeSpec({
  ...plain,
  type: 'test-train',
  title: 'Test train',
  category: 'Training',
  icon: 'flame',
  summary: 'Tokens to model.',
  inputs: [port('Tokens')],
  outputs: [port('Model')],
  config: z.strictObject({ steps: z.number().int().min(1).default(10).describe('Steps.') }),
});

export const serveSpec = defineNodeSpec({
  ...plain,
  type: 'test-serve',
  title: 'Test serve',
  category: 'Serving',
  icon: 'plug',
  summary: 'Many models in.',
  inputs: [port('Model', { name: 'models', title: 'Models', multi: true })],
  outputs: [],
  config: z.strictObject({}),
  service: true,
});

/** Model in, Model out: lets tests build loops whose edges are otherwise sound. */
export const relaySpec = defineNodeSpec({
  ...plain,
  type: 'test-relay',
  title: 'Test relay',
  category: 'Optimization',
  icon: 'compress',
  summary: 'Model to model.',
  inputs: [port('Model')],
  outputs: [port('Model')],
  config: z.strictObject({}),
});

export function fixtureRegistry(): NodeRegistry {
  return new NodeRegistry([sourceSpec, encodeSpec, trainSpec, serveSpec, relaySpec]);
}
