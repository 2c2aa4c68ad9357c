// Resolves a node's file-path config fields (spec.pathFields) so nodes always get absolute paths: `~` and `~/...`
// start at the home folder, other relative paths at the pipeline file's folder. Field paths are dot separated; `[]`
// after a name walks every item of an array.
import os from 'node:os';
import path from 'node:path';
import type { ValidationProblem } from '../../app/graph/problems.ts';

const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]+:\/\//;
/** `~` alone or followed by a separator; `~user` is not expanded (it stays relative, as a shell-less path would). */
const HOME_PREFIX = /^~(?=$|[\\/])/;

export interface PathBase {
  /** Folder of the pipeline file, or null when unsaved: relative paths then stay relative, and runs refuse them (relativePathsWithoutFolder). */
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

/**
 * The path fields of a pipeline without a folder (opened in a browser, or unsaved) that hold a relative path: nothing
 * to resolve them against, and the engine's working folder is not the user's, so a run must not read them there.
 */
export function relativePathsWithoutFolder(config: Record<string, unknown>, pathFields: readonly string[] | undefined, base: PathBase): { field: string; value: string }[] {
  if (base.pipelineDir !== null || !pathFields) return [];
  const found: { field: string; value: string }[] = [];
  const visit = (value: unknown, segments: readonly string[], at: string[]): void => {
    const [head, ...rest] = segments;
    if (head === undefined) {
      if (typeof value === 'string' && value !== '' && !URL_LIKE.test(value) && !HOME_PREFIX.test(value) && !path.isAbsolute(value)) found.push({ field: at.join('.'), value });
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    const walksArray = head.endsWith('[]');
    const name = walksArray ? head.slice(0, -2) : head;
    const child = (value as Record<string, unknown>)[name];
    if (!walksArray) visit(child, rest, [...at, name]);
    else if (Array.isArray(child)) child.forEach((item, index) => visit(item, rest, [...at, name, String(index)]));
  };
  for (const field of pathFields) visit(config, field.split('.'), []);
  return found;
}

/** What a node says of a relative path that has no pipeline folder to start from; `field` is its dot path. */
export function relativePathProblem(nodeId: string, { field, value }: { field: string; value: string }): ValidationProblem {
  return {
    node: nodeId,
    field,
    code: 'relative_path_without_folder',
    message: `${JSON.stringify(value)} is a relative path, but this pipeline has no folder to start it from (it was opened in the browser or is not saved); use an absolute path or one starting with ~/, or run the saved file with \`crucible run\``,
  };
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
