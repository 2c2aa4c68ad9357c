// The usage log: one row per API request (key, model, tokens, cost, latency, status) in the serving store (SQLite or
// PostgreSQL), written in small batches off the hot path, with the spend and per-day/key/model rollups that budgets
// and reports read. While the database is away rows wait in memory, up to a bound; closing retries for a while, then
// says how many rows it could not write.
import { setTimeout as sleep } from 'node:timers/promises';
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

/**
 * Most unwritten rows kept in memory while the database does not take them (about 600 bytes each: some 60 MiB at
 * most; at 500 requests a second, over three minutes of outage). Past it the oldest are dropped and counted, so an
 * outage under heavy traffic cannot exhaust the memory.
 */
export const MAX_QUEUED_ROWS = 100_000;
/** Rows dropped at the bound are reported at once, then at most this often (and when the database answers again). */
const DROPPED_REPORT_INTERVAL_MS = 10_000;
/** A report may scan the whole log, which takes longer than the store's usual statement limit on a big one. */
const REPORT_TIMEOUT_MS = 120_000;
/** Pause between tries while drain() waits for the database to come back. */
const DRAIN_RETRY_PAUSE_MS = 500;

/** drain() gave up: the database did not take these rows in time, and they were dropped. */
export class UnwrittenUsageError extends Error {
  override name = 'UnwrittenUsageError';
  constructor(
    readonly rows: number,
    location: string,
    retriedMs: number,
    cause: unknown,
  ) {
    // Node reports a refused connection to a name with several addresses as an AggregateError with no message.
    const reason = (cause instanceof Error && cause.message) || String((cause as { code?: unknown } | null)?.code ?? cause);
    super(`${rows} usage ${rows === 1 ? 'row' : 'rows'} could not be written to the store ${location} (${reason}) after retrying for ${Math.round(retriedMs / 1000)} s, and ${rows === 1 ? 'is' : 'are'} lost: \`crucible usage\` and budgets will not count ${rows === 1 ? 'that request' : 'those requests'}`, { cause });
  }
}

export interface RequestLogOptions {
  flushIntervalMs?: number;
  /** Most unwritten rows kept while the database is away (MAX_QUEUED_ROWS); tests pass fewer. */
  maxQueuedRows?: number;
  /**
   * A batch that could not be written (the database is down; it is kept and retried with the next flush), or a row
   * the database refuses for its values, which is dropped so it cannot hold back the others; and how many rows were
   * dropped because too many were waiting.
   */
  onError?: (error: unknown) => void;
}

export class RequestLog {
  readonly #sql: SqlClient;
  readonly #pending: RequestRecord[] = [];
  readonly #flushIntervalMs: number;
  readonly #maxQueuedRows: number;
  readonly #onError: (error: unknown) => void;
  /** Rows dropped at the bound and not reported yet, and when that was last reported. */
  #dropped = 0;
  #droppedReportedAt = -Infinity;
  #timer: NodeJS.Timeout | null = null;
  /** The flush in progress; the next one waits for it, so rows are written once and in order. */
  #writing: Promise<void> = Promise.resolve();

  constructor(sql: SqlClient, options: RequestLogOptions = {}) {
    this.#sql = sql;
    this.#flushIntervalMs = options.flushIntervalMs ?? 200;
    this.#maxQueuedRows = options.maxQueuedRows ?? MAX_QUEUED_ROWS;
    this.#onError = options.onError ?? ((error) => console.error(`usage log (${sql.location}): ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Rows waiting to be written. */
  get queuedRows(): number {
    return this.#pending.length;
  }

  /** Queues a row; it is written within the flush interval, or before any read. */
  record(record: RequestRecord): void {
    this.#pending.push(record);
    this.#keepWithinBound();
    this.#timer ??= setTimeout(() => void this.flush().catch(this.#onError), this.#flushIntervalMs).unref();
  }

  /** Writes what is queued. Rejects when the database refuses the batch; the rows stay queued for the next flush. */
  flush(): Promise<void> {
    this.#stopTimer();
    const written = this.#writing.catch(() => undefined).then(() => this.#writeQueued());
    this.#writing = written;
    return written;
  }

  /**
   * Writes every queued row, trying again for up to `retryForMs` while the database does not take them (a gateway
   * stopping while its store is away). Rows still unwritten then are dropped, and it rejects with an
   * UnwrittenUsageError saying how many.
   */
  async drain(retryForMs: number): Promise<void> {
    const deadline = Date.now() + retryForMs;
    for (;;) {
      try {
        await this.flush();
        return;
      } catch (error) {
        if (Date.now() + DRAIN_RETRY_PAUSE_MS <= deadline) {
          await sleep(DRAIN_RETRY_PAUSE_MS);
          continue;
        }
        const lost = this.#pending.splice(0).length;
        this.#stopTimer();
        this.#reportDropped(true);
        throw new UnwrittenUsageError(lost, this.#sql.location, retryForMs, error);
      }
    }
  }

  async #writeQueued(): Promise<void> {
    if (this.#pending.length === 0) return;
    const batch = this.#pending.splice(0);
    try {
      await this.#sql.batch(batch.map((record) => ({ sql: INSERT_REQUEST, params: rowOf(record) })));
      this.#reportDropped(true);
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
    this.#keepWithinBound();
    this.#timer ??= setTimeout(() => void this.flush().catch(this.#onError), Math.max(this.#flushIntervalMs, 1_000)).unref();
  }

  #stopTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Past the bound, the oldest rows go: the newest say most about what is happening now. */
  #keepWithinBound(): void {
    const excess = this.#pending.length - this.#maxQueuedRows;
    if (excess <= 0) return;
    this.#pending.splice(0, excess);
    this.#dropped += excess;
    this.#reportDropped(false);
  }

  /** Says how many rows were dropped since the last report: at once the first time, then every so often. */
  #reportDropped(now: boolean): void {
    if (this.#dropped === 0 || (!now && Date.now() - this.#droppedReportedAt < DROPPED_REPORT_INTERVAL_MS)) return;
    const dropped = this.#dropped;
    this.#dropped = 0;
    this.#droppedReportedAt = Date.now();
    this.#onError(
      new Error(
        `dropped the usage rows of ${dropped} ${dropped === 1 ? 'request' : 'requests'}, the oldest unwritten: ${this.#maxQueuedRows} rows were already waiting for the database (${this.#sql.location}), which is not taking them; \`crucible usage\` and budgets will not count those requests`,
      ),
    );
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
    const rows = (await this.#sql.all<UsageRow>(REPORT, [keyName, keyName, since, since, until, until], { timeoutMs: REPORT_TIMEOUT_MS })).sort(byDayKeyModel);
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
