// The usage log: one SQLite row per API request (key, model, tokens, cost, latency, status), written in small
// batches off the hot path, with the spend and per-day/key/model rollups that budgets and reports read.
import type { UsageReport, UsageRow } from '../../../app/protocol/serving-api.ts';
import type { SqliteDatabase } from '../../store/database.ts';

export interface RequestRecord {
  requestId: string;
  keyId: string | null;
  model: string | null;
  endpoint: string;
  status: number;
  errorCode: string | null;
  promptTokens: number;
  completionTokens: number;
  cost: number;
  currency: string | null;
  latencyMs: number;
  ttftMs: number | null;
  at: string;
}

export interface ReportFilter {
  keyName?: string;
  /** ISO time, inclusive. */
  since?: string;
  /** ISO time, exclusive. */
  until?: string;
}

export class RequestLog {
  readonly #db: SqliteDatabase;
  readonly #pending: RequestRecord[] = [];
  readonly #flushIntervalMs: number;
  readonly #insertAll: (records: RequestRecord[]) => void;
  #timer: NodeJS.Timeout | null = null;

  constructor(db: SqliteDatabase, options: { flushIntervalMs?: number } = {}) {
    this.#db = db;
    this.#flushIntervalMs = options.flushIntervalMs ?? 200;
    const insert = db.prepare(
      `INSERT INTO api_requests (request_id, key_id, model, endpoint, status, error_code, prompt_tokens, completion_tokens, cost, currency, latency_ms, ttft_ms, at)
       VALUES (@requestId, @keyId, @model, @endpoint, @status, @errorCode, @promptTokens, @completionTokens, @cost, @currency, @latencyMs, @ttftMs, @at)`,
    );
    this.#insertAll = db.transaction((records: RequestRecord[]) => {
      for (const record of records) insert.run(record);
    });
  }

  /** Queues a row; it is written within the flush interval, or before any read. */
  record(record: RequestRecord): void {
    this.#pending.push(record);
    this.#timer ??= setTimeout(() => this.flush(), this.#flushIntervalMs).unref();
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.length === 0) return;
    const batch = this.#pending.splice(0);
    this.#insertAll(batch);
  }

  /** What a key has spent since an ISO time. */
  spendSince(keyId: string, since: string): number {
    this.flush();
    const row = this.#db.prepare('SELECT COALESCE(SUM(cost), 0) AS spent FROM api_requests WHERE key_id = ? AND at >= ?').get(keyId, since) as { spent: number };
    return row.spent;
  }

  /** Totals per UTC day, key and model. */
  report(filter: ReportFilter = {}): UsageReport {
    this.flush();
    const rows = this.#db
      .prepare(
        `SELECT substr(r.at, 1, 10) AS day, k.name AS key, r.model AS model, COUNT(*) AS requests,
                SUM(r.status >= 400) AS errors, SUM(r.prompt_tokens) AS promptTokens,
                SUM(r.completion_tokens) AS completionTokens, SUM(r.cost) AS cost, MAX(r.currency) AS currency,
                AVG(r.latency_ms) AS avgLatencyMs, AVG(r.ttft_ms) AS avgTtftMs
         FROM api_requests r LEFT JOIN api_keys k ON k.id = r.key_id
         WHERE (@keyName IS NULL OR k.name = @keyName) AND (@since IS NULL OR r.at >= @since) AND (@until IS NULL OR r.at < @until)
         GROUP BY day, k.name, r.model
         ORDER BY day, key, model`,
      )
      .all({ keyName: filter.keyName ?? null, since: filter.since ?? null, until: filter.until ?? null }) as UsageRow[];
    const totals = { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
    for (const row of rows) {
      totals.requests += row.requests;
      totals.errors += row.errors;
      totals.promptTokens += row.promptTokens;
      totals.completionTokens += row.completionTokens;
      totals.cost += row.cost;
    }
    return { rows, totals };
  }

  /** Writes what is queued and stops the timer. */
  close(): void {
    this.flush();
  }
}

/** Start of the current budget period, in UTC. */
export function periodStart(period: 'day' | 'month', now: Date): string {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), period === 'day' ? now.getUTCDate() : 1));
  return start.toISOString();
}
