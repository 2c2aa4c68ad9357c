// Why a node ran or came from the cache, in the words the CLI and the canvas show:
// the difference between the key parts of its last good run and the current ones.
import type { NodeSpec } from '../../app/nodes/spec.ts';
import { canonicalJson } from '../../app/pipeline/canonical-json.ts';
import type { CacheKeyParts } from './cache-key.ts';

export const CACHE_HIT_REASON = 'config and inputs unchanged';
const NO_CACHED_ARTIFACT_REASON = 'no cached artifact';
export const FORCED_REASON = 'forced';
export const forcedUpstreamReason = (node: string): string => `upstream "${node}" was forced`;
const SERVICE_REASON = 'always runs (service)';
const NON_IDEMPOTENT_REASON = 'always runs (non-idempotent)';

/** A node that never comes from the cache, and why; null when the cache may serve it. */
export function alwaysRunsReason(spec: Pick<NodeSpec, 'service' | 'nonIdempotent'>, forceReason: string | null): string | null {
  if (forceReason !== null) return forceReason;
  if (spec.service) return SERVICE_REASON;
  if (spec.nonIdempotent) return NON_IDEMPOTENT_REASON;
  return null;
}

/** Every difference between the previous and current key parts, joined with "; " when several changed. */
export function explainCacheMiss(previous: CacheKeyParts | undefined, current: CacheKeyParts): string {
  if (!previous) return NO_CACHED_ARTIFACT_REASON;
  const reasons: string[] = [];
  if (previous.typeVersion !== current.typeVersion) {
    reasons.push(`node type version changed (${previous.typeVersion} → ${current.typeVersion})`);
  }
  const fields = changedFields(previous.config, current.config, '');
  if (fields.length === 1) reasons.push(`config field ${fields[0]} changed`);
  if (fields.length > 1) reasons.push(`config fields ${fields.join(', ')} changed`);
  const ports = changedInputPorts(previous.inputKeys, current.inputKeys);
  if (ports.length === 1) reasons.push(`input ${ports[0]} changed`);
  if (ports.length > 1) reasons.push(`inputs ${ports.join(', ')} changed`);
  if ((previous.fingerprint ?? null) !== (current.fingerprint ?? null)) reasons.push('source content changed');
  return reasons.length > 0 ? reasons.join('; ') : NO_CACHED_ARTIFACT_REASON;
}

/** Dot paths of the leaves that differ; objects recurse, arrays recurse only while their length is unchanged. */
function changedFields(before: unknown, after: unknown, path: string): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changedFields(before[key], after[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length && path !== '') {
    return before.flatMap((item, index) => changedFields(item, after[index], `${path}.${index}`));
  }
  return canonicalJson(before) === canonicalJson(after) ? [] : [path];
}

function changedInputPorts(before: Record<string, string[]>, after: Record<string, string[]>): string[] {
  const ports = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return ports.filter((port) => canonicalJson(before[port] ?? []) !== canonicalJson(after[port] ?? []));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
