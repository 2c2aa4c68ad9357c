// What a node type is: identity, ports and a zod config schema. Specs are browser-safe data;
// the engine-side run lives in each node's own run module and is registered separately.
import type { z } from 'zod';
import type { ProblemCode, ProblemSeverity } from '../graph/problems.ts';
import type { PortSpec } from './ports.ts';

export const NODE_CATEGORIES = ['Data', 'Models', 'Training', 'Optimization', 'Evaluation', 'Serving'] as const;
export type NodeCategory = (typeof NODE_CATEGORIES)[number];

export interface NodeSpec<Config extends z.ZodType = z.ZodType> {
  /** The `type` written in pipeline files, e.g. `pretrain`. */
  type: string;
  title: string;
  category: NodeCategory;
  /** One line for the palette. */
  summary: string;
  /** Markdown docs shown in the inspector. */
  docs: string;
  /** Bumped when the config changes meaning; pipeline files record it per node (`typeVersion`). */
  version: number;
  /** A short name of an icon the canvas knows (see renderer); plain text so specs stay data. */
  icon: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  /** Every field has a default and a description; `config.parse({})` yields the full default config. */
  config: Config;
  /**
   * Cross-field checks zod cannot express per field. Each problem names its field path (dot separated).
   * Runs only after the config passed the schema.
   */
  checkConfig?: (config: z.output<Config>) => ConfigProblem[];
  /** Starts a long-lived service (deploy, api-endpoint): never served from the cache. */
  service?: boolean;
  /** Its output depends on more than its config and inputs (clock, network...): never served from the cache. */
  nonIdempotent?: boolean;
  /**
   * Config fields that change how the node runs (threads, how often it checkpoints, what it logs), never what it
   * makes: the cache key takes them at their defaults, so changing only these is still a cache hit.
   */
  cacheNeutralFields?: readonly string[];
  /** Config fields that hold file paths, resolved against the pipeline file's folder. Dot paths; `[]` marks arrays. */
  pathFields?: string[];
  /** Inputs whose data must descend from one tokenizer node (distill: the teacher and the student's tokens). */
  sameTokenizer?: readonly string[];
  /** Facts derived from a valid config, shown under the node's form: parameter count, memory... */
  facts?: (config: z.output<Config>, context: NodeFactsContext) => NodeFact[];
  /**
   * What a run of the node needs in this machine's memory, for the warning before a run that will not fit
   * (app/graph/memory-fit.ts); the same estimate its facts show. Undefined when the node runs elsewhere (a GPU).
   */
  memoryEstimate?: (config: z.output<Config>, context: NodeFactsContext) => MemoryEstimate | undefined;
}

/** Bytes a run keeps whatever the batch (weights and optimizer state) and bytes a batch adds (activations). */
export interface MemoryEstimate {
  fixedBytes: number;
  /** The trainer splits a batch into chunks when these exceed its budget: slower, but it fits. */
  activationBytes: number;
}

/** One derived fact: `Parameters  929.5K`, with what it assumed in the note. */
export interface NodeFact {
  label: string;
  value: string;
  note?: string;
}

/** What a node's facts may read of the pipeline around the node. */
export interface NodeFactsContext {
  /**
   * The config (defaults filled in) of the node that feeds `port`, when that node is of `spec`'s type and its config
   * is valid; otherwise undefined.
   */
  upstreamConfig<Upstream extends z.ZodType>(port: string, spec: NodeSpec<Upstream>): z.output<Upstream> | undefined;
}

export interface ConfigProblem {
  field: string;
  message: string;
  /** The problem's code in validation; `config_invalid` when absent. */
  code?: ProblemCode;
  /** A warning leaves the config valid (the run goes ahead); absent means error. */
  severity?: ProblemSeverity;
}

/** Identity helper that keeps the config schema's type for the node's run. */
export function defineNodeSpec<Config extends z.ZodType>(spec: NodeSpec<Config>): NodeSpec<Config> {
  return spec;
}

export function findPort(spec: NodeSpec, direction: 'input' | 'output', name: string): PortSpec | undefined {
  const ports = direction === 'input' ? spec.inputs : spec.outputs;
  return ports.find((port) => port.name === name);
}
