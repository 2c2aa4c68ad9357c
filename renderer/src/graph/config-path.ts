// Reading and writing one field inside a node's config by path (`["defaults", "topP"]`), without mutating:
// every edit produces new objects along the path so undo snapshots stay intact.

export type ConfigPath = readonly (string | number)[];

export function valueAt(root: unknown, path: ConfigPath): unknown {
  let at: unknown = root;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}

export function withValueAt<T>(root: T, path: ConfigPath, value: unknown): T {
  const [key, ...rest] = path;
  if (key === undefined) return value as T;
  const container: Record<string | number, unknown> | unknown[] =
    Array.isArray(root) ? [...root] : root !== null && typeof root === 'object' ? { ...(root as Record<string, unknown>) } : typeof key === 'number' ? [] : {};
  const child = (container as Record<string | number, unknown>)[key];
  (container as Record<string | number, unknown>)[key] = withValueAt(child, rest, value);
  return container as T;
}

