// One-off config changes for a single run (`crucible run --set node.field=value`), applied to a copy of the
// pipeline before validation, so a bad value is reported like any other config problem. In a field's dot path,
// numeric segments index arrays (`sources.0.path`).
import type { Pipeline } from '../../app/pipeline/schema.ts';
import type { ConfigOverride } from '../../app/protocol/engine-api.ts';
import { RunRequestError } from './run-errors.ts';

const FIELD_SEGMENT = /^[A-Za-z0-9_-]+$/;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

export function applyOverrides(pipeline: Pipeline, overrides: readonly ConfigOverride[]): Pipeline {
  if (overrides.length === 0) return pipeline;
  const copy = structuredClone(pipeline);
  for (const { node: nodeId, field, value } of overrides) {
    const node = copy.nodes.find((candidate) => candidate.id === nodeId);
    if (!node) throw new RunRequestError(`override ${nodeId}.${field}: there is no node "${nodeId}" in the pipeline`);
    const segments = field.split('.');
    // Config fields are plain names: `__proto__` or `constructor` would reach past the config into every object.
    if (segments.some((segment) => !FIELD_SEGMENT.test(segment) || FORBIDDEN_SEGMENTS.has(segment))) {
      throw new RunRequestError(`override for node "${nodeId}": "${field}" is not a valid field path; use dot paths of letters, digits, "_" and "-", like "optimizer.lr" or "sources.0.path"`);
    }
    setAtPath(node.config, segments, value, `${nodeId}.${field}`);
  }
  return copy;
}

function setAtPath(target: Record<string, unknown> | unknown[], segments: string[], value: unknown, where: string): void {
  const [head, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(target)) {
    // A list takes an index of an item it has, or the one just past its end (a new item): a name would set a
    // property validation never reads, and a huge index would grow the list to it.
    if (!/^\d+$/.test(head) || Number(head) > target.length) {
      const which = /^\d+$/.test(head) ? `index ${head} is past its end (it has ${target.length} item${target.length === 1 ? '' : 's'})` : `"${head}" is not an index`;
      throw new RunRequestError(`override ${where}: this field is a list and ${which}; use an index from 0 to ${target.length}, like "sources.0.path"`);
    }
  }
  const container = target as Record<string, unknown>;
  if (rest.length === 0) {
    container[head] = value;
    return;
  }
  let child = Object.hasOwn(container, head) ? container[head] : undefined;
  if (child === undefined || child === null) {
    child = /^\d+$/.test(rest[0]!) ? [] : {};
    container[head] = child;
  }
  if (typeof child !== 'object') throw new RunRequestError(`override ${where}: "${head}" holds ${JSON.stringify(child)}, not an object, so it has no field "${rest[0]}"`);
  setAtPath(child as Record<string, unknown>, rest, value, where);
}
