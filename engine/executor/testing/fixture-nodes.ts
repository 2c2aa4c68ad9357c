// Fixture node types for tests of the executor, the engine, the CLI and the server: tiny specs and runs that write
// text files, fail on purpose, run slowly, ignore cancels or start services, and record what ran for assertions.
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { NodeRegistry } from '../../../app/nodes/registry.ts';
import type { NodeRunContext, NodeRunModule, NodeRunResult, ServiceHandle } from '../../../app/nodes/run-contract.ts';
import { defineNodeSpec, type NodeSpec } from '../../../app/nodes/spec.ts';
import type { PortSpec } from '../../../app/nodes/ports.ts';
import type { Pipeline, PipelineNode } from '../../../app/pipeline/schema.ts';

const TEXT_FILE = 'text.txt';
const textPort = (name = 'text', extra: Partial<PortSpec> = {}): PortSpec => ({ name, type: 'Corpus', title: 'Text', description: 'A text file', ...extra });
const common = { category: 'Data', summary: 'fixture', docs: 'fixture', icon: 'box' } as const;

export function sourceSpec(version = 1): NodeSpec {
  const config = z.object({
    text: z.string().default('hello').describe('Text to write'),
    delayMs: z.number().int().min(0).default(0).describe('Wait before writing'),
    shape: z.object({ width: z.number().default(1).describe('w'), depth: z.number().default(1).describe('d') }).default({ width: 1, depth: 1 }).describe('Nested fields'),
  });
  return defineNodeSpec({ ...common, type: 'source', title: 'Source', version, inputs: [], outputs: [textPort()], config });
}

const specs: NodeSpec[] = [
  defineNodeSpec({ ...common, type: 'file-source', title: 'File source', version: 1, inputs: [], outputs: [textPort()], pathFields: ['file'], config: z.object({ file: z.string().default('').describe('A text file') }) }),
  defineNodeSpec({ ...common, type: 'upper', title: 'Upper', version: 1, inputs: [textPort()], outputs: [textPort()], config: z.object({ suffix: z.string().default('').describe('Appended') }) }),
  defineNodeSpec({ ...common, type: 'concat', title: 'Concat', version: 1, inputs: [textPort('parts', { multi: true })], outputs: [textPort()], config: z.object({}) }),
  defineNodeSpec({
    ...common, type: 'fail', title: 'Fail', version: 1, inputs: [textPort('text', { optional: true })], outputs: [textPort()],
    config: z.object({ mode: z.enum(['throw', 'sync-throw', 'garbage', 'missing-output', 'bad-metrics']).default('throw').describe('How to fail') }),
  }),
  defineNodeSpec({
    ...common, type: 'slow', title: 'Slow', version: 1, inputs: [], outputs: [textPort()],
    config: z.object({ durationMs: z.number().default(3000).describe('Run time'), honorSignal: z.boolean().default(true).describe('Stop on cancel'), chunkMs: z.number().default(20).describe('Chunk period') }),
  }),
  defineNodeSpec({ ...common, type: 'clock', title: 'Clock', version: 1, nonIdempotent: true, inputs: [], outputs: [textPort()], config: z.object({}) }),
  defineNodeSpec({ ...common, type: 'svc', title: 'Service', category: 'Serving', version: 1, service: true, inputs: [textPort('text', { optional: true })], outputs: [], config: z.object({ name: z.string().default('svc').describe('Service name') }) }),
  defineNodeSpec({ ...common, type: 'ghost', title: 'Ghost', version: 1, inputs: [], outputs: [textPort()], config: z.object({}) }),
];

/** What the fixture runs did, for assertions. */
export interface FixtureRecorder {
  /** Node ids in the order their runs started. */
  started: string[];
  active: number;
  maxActive: number;
  /** Services started, by config name: resolve `crash` to make one exit by itself. */
  services: Map<string, { stopped: boolean; crash: (error?: string) => void }>;
}

export interface Fixtures {
  registry: NodeRegistry;
  runModules: Map<string, NodeRunModule>;
  recorder: FixtureRecorder;
}

export function createFixtures(options: { sourceVersion?: number } = {}): Fixtures {
  const recorder: FixtureRecorder = { started: [], active: 0, maxActive: 0, services: new Map() };
  const registry = new NodeRegistry([sourceSpec(options.sourceVersion), ...specs]);
  const track = (run: (ctx: NodeRunContext) => Promise<NodeRunResult>) => async (ctx: NodeRunContext): Promise<NodeRunResult> => {
    recorder.started.push(ctx.nodeId);
    recorder.active += 1;
    recorder.maxActive = Math.max(recorder.maxActive, recorder.active);
    try {
      return await run(ctx);
    } finally {
      recorder.active -= 1;
    }
  };
  const modules: NodeRunModule[] = [
    { type: 'source', run: track(runSource) },
    { type: 'file-source', run: track(runFileSource), fingerprint: async ({ config }) => sha256(await readFile(String(config.file))) },
    { type: 'upper', run: track(async (ctx) => writeText(ctx, (await readInput(ctx, 'text')).toUpperCase() + String(ctx.config.suffix))) },
    { type: 'concat', run: track(async (ctx) => writeText(ctx, (await Promise.all(ctx.inputs('parts').map((a) => readFile(path.join(a.path, TEXT_FILE), 'utf8')))).join('+'))) },
    { type: 'fail', run: failingRun(recorder) },
    { type: 'slow', run: track(runSlow) },
    { type: 'clock', run: track(async (ctx) => writeText(ctx, `${Date.now()}-${Math.random()}`)) },
    { type: 'svc', run: track(async (ctx) => ({ outputs: {}, service: startFakeService(recorder, String(ctx.config.name)) })) },
  ];
  return { registry, runModules: new Map(modules.map((m) => [m.type, m])), recorder };
}

async function runSource(ctx: NodeRunContext): Promise<NodeRunResult> {
  await sleep(Number(ctx.config.delayMs), undefined, { signal: ctx.signal });
  return writeText(ctx, String(ctx.config.text));
}

async function runFileSource(ctx: NodeRunContext): Promise<NodeRunResult> {
  return writeText(ctx, await readFile(String(ctx.config.file), 'utf8'));
}

/** Appends a chunk every chunkMs (logging each), so a test can cancel or kill it mid-write. */
async function runSlow(ctx: NodeRunContext): Promise<NodeRunResult> {
  const file = path.join(ctx.outputDir('text'), TEXT_FILE);
  const chunkMs = Number(ctx.config.chunkMs);
  const chunks = Math.ceil(Number(ctx.config.durationMs) / chunkMs);
  for (let i = 0; i < chunks; i++) {
    if (ctx.config.honorSignal) ctx.signal.throwIfAborted();
    appendFileSync(file, `chunk ${i}\n`);
    ctx.log(`chunk ${i}`);
    ctx.progress({ fraction: (i + 1) / chunks, metrics: { chunks: i + 1 } });
    await sleep(chunkMs);
  }
  return { outputs: { text: { meta: { chunks } } }, metrics: { seconds: chunks * chunkMs / 1000 } };
}

function failingRun(recorder: FixtureRecorder): NodeRunModule['run'] {
  return (ctx) => {
    recorder.started.push(ctx.nodeId);
    switch (ctx.config.mode) {
      case 'sync-throw':
        throw new Error('thrown synchronously');
      case 'garbage':
        return Promise.resolve(42 as unknown as NodeRunResult);
      case 'missing-output':
        return Promise.resolve({ outputs: {} });
      case 'bad-metrics':
        return Promise.resolve({ outputs: { text: {} }, metrics: { loss: 'low' as unknown as number } });
      default:
        return Promise.reject(new Error('boom'));
    }
  };
}

function startFakeService(recorder: FixtureRecorder, name: string): ServiceHandle {
  let crash: (error?: string) => void = () => undefined;
  const exited = new Promise<{ error?: string }>((resolve) => (crash = (error) => resolve(error ? { error } : {})));
  const entry = { stopped: false, crash: (error?: string) => crash(error) };
  recorder.services.set(name, entry);
  return { kind: 'fake', name, url: `http://127.0.0.1:0/${name}`, exited, stop: async () => void (entry.stopped = true) };
}

async function readInput(ctx: NodeRunContext, port: string): Promise<string> {
  return readFile(path.join(ctx.input(port).path, TEXT_FILE), 'utf8');
}

async function writeText(ctx: NodeRunContext, text: string): Promise<NodeRunResult> {
  await writeFile(path.join(ctx.outputDir('text'), TEXT_FILE), text);
  return { outputs: { text: { meta: { length: text.length } } } };
}

export async function readArtifactText(folder: string): Promise<string> {
  return readFile(path.join(folder, TEXT_FILE), 'utf8');
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A node for `fixturePipeline`: an id and a type; the rest defaults (version 1, empty config, laid out in a row). */
export type FixturePipelineNode = Pick<PipelineNode, 'id' | 'type'> & Partial<PipelineNode>;

/** A pipeline from compact node and edge lists: edges are "from.port->to.port". */
export function fixturePipeline(nodes: FixturePipelineNode[], edges: string[] = [], name = 'fixture pipeline'): Pipeline {
  return {
    format: 'crucible.pipeline',
    version: 1,
    name,
    description: '',
    nodes: nodes.map((node, index) => ({ typeVersion: 1, config: {}, ui: { position: { x: index * 200, y: 0 } }, ...node })),
    edges: edges.map((edge, index) => {
      const [from, to] = edge.split('->') as [string, string];
      const [fromNode, fromPort] = from.split('.') as [string, string];
      const [toNode, toPort] = to.split('.') as [string, string];
      return { id: `e${index}`, from: { node: fromNode, port: fromPort }, to: { node: toNode, port: toPort } };
    }),
  };
}
