// The little SQL the serving store needs, over either database: statements are written once, with `?` placeholders
// and SQL that both SQLite and PostgreSQL accept; each client translates what differs (placeholders, column types,
// how a unique-constraint violation is reported, how numbers come back). The store's queries live in key-store.ts
// and request-log.ts; the schema in serving-migration.ts.

export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlStatement {
  sql: string;
  params: readonly unknown[];
}

export interface SqlQueryOptions {
  /**
   * Longest to wait for the answer, for reads known to be slow (reports over the whole log); PostgreSQL's default is
   * QUERY_TIMEOUT_MS (postgres-client.ts). SQLite runs in this process and has no limit.
   */
  timeoutMs?: number;
}

export interface SqlClient {
  readonly dialect: SqlDialect;
  /** Where the data lives, for messages: a file path, or the PostgreSQL URL without its password. */
  readonly location: string;
  /** Rows of a query; integers and sums come back as JS numbers on both databases. */
  all<Row>(sql: string, params?: readonly unknown[], options?: SqlQueryOptions): Promise<Row[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs statements in one transaction: all or none. */
  batch(statements: readonly SqlStatement[]): Promise<void>;
  /** Whether an error is a UNIQUE constraint violation (a taken key name, say). */
  isUniqueViolation(error: unknown): boolean;
  /** Whether the database refused a statement's values (bad data, a constraint), which no retry will change. */
  isRefusedValue(error: unknown): boolean;
  close(): Promise<void>;
}

/** `?` placeholders as PostgreSQL's `$1, $2, …`. The store's statements hold no `?` inside string literals. */
export function numberedPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}
