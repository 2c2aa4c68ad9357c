// The serving store's SQL client over PostgreSQL (the `pg` driver's pool). Opening it brings the serving schema up to
// date under an advisory lock, so gateways starting together migrate once; BIGINT and NUMERIC come back as JS numbers.
// Every statement and connection has a time limit, so a stalled or unreachable server fails requests fast (503
// store_unavailable) instead of holding them, and a server that goes away mid-transaction is an error, never a crash.
import type { Pool, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { lazyRequire } from '../../lazy-require.ts';
import { redactedUrl } from '../redacted-url.ts';
import { postgresSchemaSql, SERVING_MIGRATIONS, type ServingMigrationStep } from './serving-migration.ts';
import { numberedPlaceholders, type SqlClient, type SqlQueryOptions, type SqlStatement } from './sql-client.ts';

const pg = lazyRequire<typeof import('pg')>('pg');

/** PostgreSQL type ids: int8 (COUNT, SUM of BIGINT) and numeric (SUM/AVG of them). */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
/** Any constant both sides agree on: the serving schema's migration lock. */
const MIGRATION_LOCK_ID = 0x63727563; // "cruc"
const UNIQUE_VIOLATION = '23505';
/**
 * Longest the client waits for the answer to a statement (pg's `query_timeout`); past it the statement fails and its
 * connection is closed. Key checks, spend sums and usage inserts are index lookups and single rows, far below it: a
 * store that takes longer (stalled, swapping, behind a network that drops packets) is treated as away. Kept on the
 * client: the server's `statement_timeout` would be a startup parameter, which PgBouncer refuses, and a stalled
 * server could not apply it anyway.
 */
export const QUERY_TIMEOUT_MS = 5_000;
/** Longest the pool waits to open a connection, or for a free one when all are busy. */
export const CONNECT_TIMEOUT_MS = 5_000;
/** Schema steps wait for the migration lock while another gateway migrates; they get longer. */
const MIGRATION_TIMEOUT_MS = 60_000;

/** A query on a checked-out connection, under its transaction's time limit. */
type TransactionQuery = <Row extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]) => Promise<QueryResult<Row>>;

export interface PostgresClientOptions {
  /** Most connections the pool opens. */
  maxConnections?: number;
  /** Serving schema steps; tests pass longer lists. */
  migrations?: readonly ServingMigrationStep[];
  onError?: (error: Error) => void;
}

export class PostgresClient implements SqlClient {
  readonly dialect = 'postgres' as const;
  readonly location: string;
  readonly #pool: Pool;

  private constructor(pool: Pool, location: string) {
    this.#pool = pool;
    this.location = location;
  }

  /** Connects, checks the server answers, and migrates the serving schema. */
  static async connect(url: string, options: PostgresClientOptions = {}): Promise<PostgresClient> {
    const location = redactedUrl(url);
    const { Pool: PoolClass, types } = pg();
    const pool = new PoolClass({
      connectionString: url,
      max: options.maxConnections ?? 8,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID || oid === NUMERIC_OID ? (text: string) => Number(text) : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
      },
    });
    // An idle connection the server drops must not crash the process; the next query reconnects.
    pool.on('error', (error) => (options.onError ?? ((e: Error) => console.error(`PostgreSQL store ${location}: ${e.message}`)))(error));
    const client = new PostgresClient(pool, location);
    try {
      await client.#migrate(options.migrations ?? SERVING_MIGRATIONS);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new Error(`PostgreSQL store ${location}: ${(error as Error).message || String(error)}. Check the URL and that the server is running and reachable.`, { cause: error });
    }
    return client;
  }

  async all<Row>(sql: string, params: readonly unknown[] = [], options: SqlQueryOptions = {}): Promise<Row[]> {
    const timeoutMs = options.timeoutMs ?? QUERY_TIMEOUT_MS;
    const result = await answered(this.#pool.query(queryConfig(sql, params, timeoutMs)), timeoutMs);
    return result.rows as Row[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const result = await answered(this.#pool.query(queryConfig(sql, params, QUERY_TIMEOUT_MS)), QUERY_TIMEOUT_MS);
    return result.rowCount ?? 0;
  }

  async batch(statements: readonly SqlStatement[]): Promise<void> {
    await this.#inTransaction(async (query) => {
      for (const { sql, params } of statements) await query(sql, params);
    });
  }

  isUniqueViolation(error: unknown): boolean {
    return (error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;
  }

  /** SQLSTATE class 22 (data exception: a NUL byte in text, say) or 23 (integrity constraint violation). */
  isRefusedValue(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /**
   * Runs `work` in a transaction on a connection checked out of the pool, each statement limited to `timeoutMs`.
   * While a connection is checked out the pool does not listen for its errors, so a server dying mid-transaction
   * would raise an unhandled 'error' event and end the process: a listener is attached for that time (the pending
   * query rejects with the error anyway). A connection that failed is handed back as broken, and the pool closes it.
   */
  async #inTransaction<T>(work: (query: TransactionQuery) => Promise<T>, timeoutMs = QUERY_TIMEOUT_MS): Promise<T> {
    const connection = await this.#pool.connect();
    let lost: Error | null = null;
    const onError = (error: Error) => (lost ??= error);
    connection.on('error', onError);
    const query: TransactionQuery = (sql, params = []) => answered(connection.query(queryConfig(sql, params, timeoutMs)), timeoutMs);
    let broken: Error | undefined;
    try {
      await query('BEGIN');
      const result = await work(query);
      await query('COMMIT');
      return result;
    } catch (error) {
      broken = await rolledBack(query, error, lost);
      throw error;
    } finally {
      connection.off('error', onError);
      connection.release(broken ?? lost ?? undefined);
    }
  }

  /** Runs the serving steps the database has not run yet; refuses a schema written by a newer release. */
  async #migrate(steps: readonly ServingMigrationStep[]): Promise<void> {
    await this.#inTransaction(async (query) => {
      await query('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_ID]);
      await query('CREATE TABLE IF NOT EXISTS crucible_serving_schema (version INTEGER NOT NULL)');
      const found = (await query<{ version: number }>('SELECT version FROM crucible_serving_schema')).rows[0]?.version ?? null;
      if (found === null) await query('INSERT INTO crucible_serving_schema (version) VALUES (0)');
      const current = found ?? 0;
      if (current > steps.length) {
        throw new Error(`its serving schema is version ${current}, but this Crucible only knows versions up to ${steps.length}: it was written by a newer release; upgrade Crucible`);
      }
      for (const [index, step] of steps.entries()) {
        if (index < current) continue;
        await query(postgresSchemaSql(step.sql));
      }
      await query('UPDATE crucible_serving_schema SET version = ?', [steps.length]);
    }, MIGRATION_TIMEOUT_MS);
  }

  /** The serving schema version the database records (tests check migrations). */
  async schemaVersion(): Promise<number> {
    const rows = await this.all<{ version: number }>('SELECT version FROM crucible_serving_schema');
    return rows[0]?.version ?? 0;
  }
}

/**
 * A statement with `?` placeholders as pg takes it, with its time limit (pg reads `query_timeout` per query too; its
 * types leave it out).
 */
function queryConfig(sql: string, params: readonly unknown[], timeoutMs: number): QueryConfig {
  return { text: numberedPlaceholders(sql), values: params as unknown[], query_timeout: timeoutMs } as QueryConfig;
}

/** pg's "Query read timeout" as a message that says what happened and for how long. */
async function answered<Result>(pending: Promise<Result>, timeoutMs: number): Promise<Result> {
  try {
    return await pending;
  } catch (error) {
    if ((error as Error | null)?.message !== 'Query read timeout') throw error;
    throw new Error(`PostgreSQL did not answer within ${timeoutMs} ms (the server is stalled, overloaded or unreachable)`, { cause: error });
  }
}

/**
 * Ends a failed transaction. An error the server reported (a refused value, a missing table) leaves the connection
 * sound: ROLLBACK, and it goes back to the pool. Anything else — a lost connection, one that stopped answering, an
 * error of `work` itself — gets no ROLLBACK (the server rolls back when the connection closes): the connection is
 * returned as broken (the result), and the pool closes it.
 */
async function rolledBack(query: TransactionQuery, error: unknown, lost: Error | null): Promise<Error | undefined> {
  if (lost || !(error instanceof pg().DatabaseError)) return lost ?? asError(error);
  try {
    await query('ROLLBACK');
    return undefined;
  } catch (rollbackError) {
    return asError(rollbackError);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
