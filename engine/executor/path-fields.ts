// Resolves a node's file-path config fields (spec.pathFields) so nodes always get absolute paths: `~` and `~/...`
// start at the home folder, other relative paths at the pipeline file's folder. Field paths are dot separated; `[]`
// after a name walks every item of an array.
import os from 'node:os';
import path from 'node:path';

const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]+:\/\//;
/** `~` alone or followed by a separator; `~user` is not expanded (it stays relative, as a shell-less path would). */
const HOME_PREFIX = /^~(?=$|[\\/])/;

export interface PathBase {
  /** Folder of the pipeline file, or null when unsaved: relative paths then stay relative. */
  pipelineDir: string | null;
  /** Where `~` leads; the user's home folder unless a test injects another. */
  homeDir?: string;
}

export function resolvePathFields(config: Record<string, unknown>, pathFields: readonly string[] | undefined, base: PathBase): Record<string, unknown> {
  if (!pathFields || pathFields.length === 0) return config;
  const resolveOne = (value: unknown) => (typeof value === 'string' ? resolvePath(value, base) : value);
  let resolved: unknown = config;
  for (const field of pathFields) resolved = resolveAt(resolved, field.split('.'), resolveOne);
  return resolved as Record<string, unknown>;
}

/**
 * One path: `~` expanded, relative paths made absolute against the pipeline folder; empty strings, absolute paths
 * and URLs stay as they are.
 */
export function resolvePath(value: string, base: PathBase): string {
  if (value === '' || URL_LIKE.test(value)) return value;
  if (HOME_PREFIX.test(value)) return path.join(base.homeDir ?? os.homedir(), value.slice(1));
  if (path.isAbsolute(value) || base.pipelineDir === null) return value;
  return path.resolve(base.pipelineDir, value);
}

function resolveAt(value: unknown, segments: readonly string[], resolveOne: (value: unknown) => unknown): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return resolveOne(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const walksArray = head.endsWith('[]');
  const name = walksArray ? head.slice(0, -2) : head;
  const record = value as Record<string, unknown>;
  if (!(name in record)) return value;
  const child = record[name];
  const next = walksArray ? (Array.isArray(child) ? child.map((item) => resolveAt(item, rest, resolveOne)) : child) : resolveAt(child, rest, resolveOne);
  return { ...record, [name]: next };
}
