// Turns a caller's optional limit/offset into safe integers for SQL: defaults filled in, limits capped,
// so a listing can never ask SQLite for an unbounded or negative page.

export interface PageLimits {
  defaultLimit: number;
  maxLimit: number;
}

export function pageBounds(query: { limit?: number; offset?: number }, limits: PageLimits): { limit: number; offset: number } {
  const limit = wholeNumberOr(query.limit, limits.defaultLimit);
  const offset = wholeNumberOr(query.offset, 0);
  return { limit: Math.min(Math.max(limit, 1), limits.maxLimit), offset: Math.max(offset, 0) };
}

function wholeNumberOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? Math.floor(value) : fallback;
}
