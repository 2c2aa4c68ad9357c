// Undo/redo as two stacks of whole pipeline snapshots. Snapshots share structure, so keeping 200 costs little.
// Edits that carry the same coalesce key in a row (typing into one field, one drag) become a single undo step.

export interface History<T> {
  past: T[];
  future: T[];
  /** Key of the last recorded edit; the next edit with the same key is merged into it. */
  coalesceKey: string | null;
}

export const HISTORY_LIMIT = 200;

export function emptyHistory<T>(): History<T> {
  return { past: [], future: [], coalesceKey: null };
}

/** Records `before` (the state an edit is about to replace) as an undo step. */
export function recordEdit<T>(history: History<T>, before: T, coalesceKey: string | null = null): History<T> {
  if (coalesceKey !== null && coalesceKey === history.coalesceKey) return { ...history, future: [] };
  const past = [...history.past, before].slice(-HISTORY_LIMIT);
  return { past, future: [], coalesceKey };
}

export function undoStep<T>(history: History<T>, current: T): { history: History<T>; value: T } | null {
  const value = history.past.at(-1);
  if (value === undefined) return null;
  return { value, history: { past: history.past.slice(0, -1), future: [...history.future, current], coalesceKey: null } };
}

export function redoStep<T>(history: History<T>, current: T): { history: History<T>; value: T } | null {
  const value = history.future.at(-1);
  if (value === undefined) return null;
  return { value, history: { past: [...history.past, current], future: history.future.slice(0, -1), coalesceKey: null } };
}
