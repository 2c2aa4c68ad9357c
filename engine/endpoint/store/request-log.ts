// The usage log: one row per API request (key, model, tokens, cost, latency, status) in the serving store (SQLite or
// PostgreSQL), written in small batches off the hot path, with the spend and per-day/key/model rollups that budgets
// and reports read.
import type { UsageReport, UsageRow } from '../../../app/protocol/serving-api.ts';
import type { SqlClient } from './sql-client.ts';

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
  /** The gateway counted the tokens itself (the upstream reported no usage). */
  estimated?: boolean;
}

export interface ReportFilter {
  keyName?: string;
  /** ISO time, inclusive. */
  since?: string;
  /** ISO time, exclusive. */
  until?: string;
}

const INSERT_REQUEST = `INSERT INTO api_requests (request_id, key_id, model, endpoint, status, error_code, prompt_tokens, completion_tokens, cost, currency, latency_ms, ttft_ms, at, estimated)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

// CAST(? AS TEXT): PostgreSQL must know a parameter's type before `IS NULL`; SQLite does not mind.
const REPORT = `SELECT substr(r.at, 1, 10) AS day, k.name AS key, r.model AS model, COUNT(*) AS requests,
    SUM(CASE WHEN r.status >= 400 THEN 1 ELSE 0 END) AS errors, SUM(r.prompt_tokens) AS "promptTokens",
    SUM(r.completion_tokens) AS "completionTokens", SUM(r.cost) AS cost, MAX(r.currency) AS currency,
    AVG(r.latency_ms) AS "avgLatencyMs", AVG(r.ttft_ms) AS "avgTtftMs"
  FROM api_requests r LEFT JOIN api_keys k ON k.id = r.key_id
  WHERE (CAST(? AS TEXT) IS NULL OR k.name = ?) AND (CAST(? AS TEXT) IS NULL OR r.at >= ?) AND (CAST(? AS TEXT) IS NULL OR r.at < ?)
  GROUP BY substr(r.at, 1, 10), k.name, r.model`;

export interface RequestLogOptions {
  flushIntervalMs?: number;
  /**
   * A batch that could not be written (the database is down; it is kept and retried with the next flush), or a row
   * the database refuses for its values, which is dropped so it cannot hold back the others.
   */
  onError?: (error: unknown) => void;
}

export class RequestLog {
  readonly #sql: SqlClient;
  readonly #pending: RequestRecord[] = [];
  readonly #flushIntervalMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  /** The flush in progress; the next one waits for it, so rows are written once and in order. */
  #writing: Promise<void> = Promise.resolve();

  constructor(sql: SqlClient, options: RequestLogOptions = {}) {
    this.#sql = sql;
    this.#flushIntervalMs = options.flushIntervalMs ?? 200;
    this.#onError = options.onError ?? ((error) => console.error(`usage log (${sql.location}):`, error));
  }

  /** Queues a row; it is written within the flush interval, or before any read. */
  record(record: RequestRecord): void {
    this.#pending.push(record);
    this.#timer ??= setTimeout(() => void this.flush().catch(this.#onError), this.#flushIntervalMs).unref();
  }

  /** Writes what is queued. Rejects when the database refuses the batch; the rows stay queued for the next flush. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const written = this.#writing.catch(() => undefined).then(() => this.#writeQueued());
    this.#writing = written;
    return written;
  }

  async #writeQueued(): Promise<void> {
    if (this.#pending.length === 0) return;
    const batch = this.#pending.splice(0);
    try {
      await this.#sql.batch(batch.map((record) => ({ sql: INSERT_REQUEST, params: rowOf(record) })));
    } catch (error) {
      // One row the database will never take must not hold back the rest: they go one at a time, without it.
      if (this.#sql.isRefusedValue(error)) return this.#writeEach(batch);
      this.#requeue(batch);
      throw error;
    }
  }

  async #writeEach(rows: RequestRecord[]): Promise<void> {
    for (const [index, record] of rows.entries()) {
      try {
        await this.#sql.batch([{ sql: INSERT_REQUEST, params: rowOf(record) }]);
      } catch (error) {
        if (!this.#sql.isRefusedValue(error)) {
          this.#requeue(rows.slice(index));
          throw error;
        }
        this.#onError(new Error(`dropped the usage row of request ${record.requestId}, which the database refuses (${(error as Error).message}); the other rows were written`));
      }
    }
  }

  #requeue(rows: RequestRecord[]): void {
    this.#pending.unshift(...rows);
    this.#timer ??= setTimeout(() => void this.flush().catch(this.#onError), Math.max(this.#flushIntervalMs, 1_000)).unref();
  }

  /** What a key has spent since an ISO time. */
  async spendSince(keyId: string, since: string): Promise<number> {
    await this.flush();
    const [row] = await this.#sql.all<{ spent: number }>('SELECT COALESCE(SUM(cost), 0) AS spent FROM api_requests WHERE key_id = ? AND at >= ?', [keyId, since]);
    return row?.spent ?? 0;
  }

  /** Totals per UTC day, key and model. */
  async report(filter: ReportFilter = {}): Promise<UsageReport> {
    await this.flush();
    const keyName = filter.keyName ?? null;
    const since = filter.since ?? null;
    const until = filter.until ?? null;
    // Sorted here, not in SQL: the two databases order NULLs and text differently.
    const rows = (await this.#sql.all<UsageRow>(REPORT, [keyName, keyName, since, since, until, until])).sort(byDayKeyModel);
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
  close(): Promise<void> {
    return this.flush();
  }
}

function byDayKeyModel(a: UsageRow, b: UsageRow): number {
  return compareText(a.day, b.day) || compareText(a.key, b.key) || compareText(a.model, b.model);
}

/** Code-unit order, null first (SQLite's order). */
function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function rowOf(record: RequestRecord): unknown[] {
  const { requestId, keyId, model, endpoint, status, errorCode, promptTokens, completionTokens, cost, currency, latencyMs, ttftMs, at } = record;
  const text = storableText;
  return [text(requestId), text(keyId), text(model), text(endpoint), status, text(errorCode), promptTokens, completionTokens, cost, text(currency), latencyMs, ttftMs, text(at), record.estimated ? 1 : 0];
}

/**
 * Text as both databases store it. A client names the model, and PostgreSQL refuses a NUL byte or a lone surrogate in
 * text: each becomes U+FFFD.
 */
function storableText<T extends string | null>(value: T): T {
  if (value === null) return value;
  return (value as string & { toWellFormed(): string }).toWellFormed().replaceAll('\u0000', '\uFFFD') as T;
}

/** Start of the current budget period, in UTC. */
export function periodStart(period: 'day' | 'month', now: Date): string {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), period === 'day' ? now.getUTCDate() : 1));
  return start.toISOString();
}
