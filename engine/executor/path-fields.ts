// Resolves a node's file-path config fields (spec.pathFields) against the pipeline file's folder, so nodes always
// get absolute paths. Field paths are dot separated; `[]` after a name walks every item of an array.
import path from 'node:path';

const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]+:\/\//;

export function resolvePathFields(config: Record<string, unknown>, pathFields: readonly string[] | undefined, pipelineDir: string | null): Record<string, unknown> {
  if (!pathFields || pathFields.length === 0 || pipelineDir === null) return config;
  let resolved: unknown = config;
  for (const field of pathFields) resolved = resolveAt(resolved, field.split('.'), pipelineDir);
  return resolved as Record<string, unknown>;
}

function resolveAt(value: unknown, segments: readonly string[], pipelineDir: string): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return resolveOne(value, pipelineDir);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const walksArray = head.endsWith('[]');
  const name = walksArray ? head.slice(0, -2) : head;
  const record = value as Record<string, unknown>;
  if (!(name in record)) return value;
  const child = record[name];
  const next = walksArray ? (Array.isArray(child) ? child.map((item) => resolveAt(item, rest, pipelineDir)) : child) : resolveAt(child, rest, pipelineDir);
  return { ...record, [name]: next };
}

/** Relative paths become absolute; empty strings, absolute paths and URLs stay as they are. */
function resolveOne(value: unknown, pipelineDir: string): unknown {
  if (typeof value !== 'string' || value === '' || path.isAbsolute(value) || URL_LIKE.test(value)) return value;
  return path.resolve(pipelineDir, value);
}
