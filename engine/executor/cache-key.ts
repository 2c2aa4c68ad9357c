// Cache keys: a node's key is the sha256 of everything that decides its output (type, version, config, inputs,
// source fingerprint); an output artifact's key is derived from the node key and the port name.
import { createHash } from 'node:crypto';
import { defaultConfig } from '../../app/nodes/config.ts';
import type { NodeSpec } from '../../app/nodes/spec.ts';
import { canonicalJson } from '../../app/pipeline/canonical-json.ts';

/** What a node's key is made of. Layout (`ui`) is never part of it. */
export interface CacheKeyParts {
  type: string;
  /** The version of the node type's code that produces the artifact (`spec.version`). */
  typeVersion: number;
  /** Parsed config, defaults applied and path fields resolved. */
  config: Record<string, unknown>;
  /** What arrives on each input port, in edge order: each artifact's key and the run that wrote it (`key@runId`). */
  inputKeys: Record<string, string[]>;
  /** Extra content hash from the node's fingerprint hook (e.g. its source files). */
  fingerprint?: string;
}

/** Bumped if the key recipe itself changes, so old artifacts are never mistaken for new ones. */
const KEY_RECIPE = 'crucible.cache.v2'; // v2: inputs carry the run that wrote them

/**
 * `runNonce` (the run id) is given for nodes whose output differs on every run (services, non-idempotent nodes): their
 * artifacts are then never shared between runs, and the nodes downstream of them see a changed input.
 */
export function cacheKeyFor(parts: CacheKeyParts, runNonce?: string): string {
  const { type, typeVersion, config, inputKeys, fingerprint } = parts;
  return sha256(canonicalJson({ recipe: KEY_RECIPE, type, typeVersion, config, inputKeys, fingerprint: fingerprint ?? null, runNonce: runNonce ?? null }));
}

/**
 * The config as the key takes it: the spec's cache-neutral fields at their defaults. Defaults rather than left out,
 * so a config that keeps them at their defaults has the key it had before the field was declared neutral.
 */
export function keyedConfig(spec: NodeSpec, config: Record<string, unknown>): Record<string, unknown> {
  const neutral = spec.cacheNeutralFields ?? [];
  if (neutral.length === 0) return config;
  const defaults = defaultConfig(spec);
  const keyed = { ...config };
  for (const field of neutral) {
    if (defaults[field] === undefined) delete keyed[field];
    else keyed[field] = defaults[field];
  }
  return keyed;
}

/** The key of the artifact a node writes on one output port. */
export function artifactKeyFor(nodeKey: string, port: string): string {
  return sha256(`${nodeKey}\0${port}`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
