// The serving store's SQL client over the engine's SQLite database (better-sqlite3, synchronous underneath).
import type { SqliteDatabase } from '../../store/database.ts';
import type { SqlClient, SqlStatement } from './sql-client.ts';

export class SqliteClient implements SqlClient {
  readonly dialect = 'sqlite' as const;
  readonly location: string;
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.location = db.name;
  }

  async all<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.#db.prepare(sql).all(...(params as unknown[])) as Row[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.#db.prepare(sql).run(...(params as unknown[])).changes;
  }

  async batch(statements: readonly SqlStatement[]): Promise<void> {
    const prepared = new Map<string, { run(...params: unknown[]): unknown }>();
    const runAll = this.#db.transaction(() => {
      for (const { sql, params } of statements) {
        let statement = prepared.get(sql);
        if (!statement) prepared.set(sql, (statement = this.#db.prepare(sql)));
        statement.run(...(params as unknown[]));
      }
    });
    runAll();
  }

  isUniqueViolation(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }

  isRefusedValue(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' && (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG');
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
