// The serving store's SQL client over PostgreSQL (the `pg` driver's pool). Opening it brings the serving schema up to
// date under an advisory lock, so gateways starting together migrate once; BIGINT and NUMERIC come back as JS numbers.
import type { Pool, PoolClient } from 'pg';
import { lazyRequire } from '../../lazy-require.ts';
import { redactedUrl } from '../redacted-url.ts';
import { postgresSchemaSql, SERVING_MIGRATIONS, type ServingMigrationStep } from './serving-migration.ts';
import { numberedPlaceholders, type SqlClient, type SqlStatement } from './sql-client.ts';

const pg = lazyRequire<typeof import('pg')>('pg');

/** PostgreSQL type ids: int8 (COUNT, SUM of BIGINT) and numeric (SUM/AVG of them). */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
/** Any constant both sides agree on: the serving schema's migration lock. */
const MIGRATION_LOCK_ID = 0x63727563; // "cruc"
const UNIQUE_VIOLATION = '23505';

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
      connectionTimeoutMillis: 10_000,
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

  async all<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.#pool.query(numberedPlaceholders(sql), params as unknown[]);
    return result.rows as Row[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.#pool.query(numberedPlaceholders(sql), params as unknown[]);
    return result.rowCount ?? 0;
  }

  async batch(statements: readonly SqlStatement[]): Promise<void> {
    await this.#inTransaction(async (connection) => {
      for (const { sql, params } of statements) await connection.query(numberedPlaceholders(sql), params as unknown[]);
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

  async #inTransaction(work: (connection: PoolClient) => Promise<void>): Promise<void> {
    const connection = await this.#pool.connect();
    try {
      await connection.query('BEGIN');
      await work(connection);
      await connection.query('COMMIT');
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  /** Runs the serving steps the database has not run yet; refuses a schema written by a newer release. */
  async #migrate(steps: readonly ServingMigrationStep[]): Promise<void> {
    await this.#inTransaction(async (connection) => {
      await connection.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
      await connection.query('CREATE TABLE IF NOT EXISTS crucible_serving_schema (version INTEGER NOT NULL)');
      const found = (await connection.query<{ version: number }>('SELECT version FROM crucible_serving_schema')).rows[0]?.version ?? null;
      if (found === null) await connection.query('INSERT INTO crucible_serving_schema (version) VALUES (0)');
      const current = found ?? 0;
      if (current > steps.length) {
        throw new Error(`its serving schema is version ${current}, but this Crucible only knows versions up to ${steps.length}: it was written by a newer release; upgrade Crucible`);
      }
      for (const [index, step] of steps.entries()) {
        if (index < current) continue;
        await connection.query(postgresSchemaSql(step.sql));
      }
      await connection.query('UPDATE crucible_serving_schema SET version = $1', [steps.length]);
    });
  }

  /** The serving schema version the database records (tests check migrations). */
  async schemaVersion(): Promise<number> {
    const rows = await this.all<{ version: number }>('SELECT version FROM crucible_serving_schema');
    return rows[0]?.version ?? 0;
  }
}
