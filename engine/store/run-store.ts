// The run store: what runs did, kept in SQLite. Events are queued and written in batches (one transaction per
// interval), reads flush the queue first so callers always see their own writes.
import type { RunEvent, ServiceInfo } from '../../app/protocol/run-events.ts';
import { CatalogQueries } from './catalog-queries.ts';
import { openDatabase, type DatabaseLocation, type OpenDatabaseOptions, type SqliteDatabase } from './database.ts';
import { isProcessAlive } from '../process-alive.ts';
import { markInterruptedRuns } from './mark-interrupted.ts';
import { RunQueries } from './run-queries.ts';
import type { ArtifactRecord, LogEntry, LogQuery, NewRun, PageQuery, RunRecord, RunSummary, StoredRun } from './run-store-types.ts';
import { StoreWriter, type StoreWrite } from './store-writer.ts';
import { WriteQueue } from './write-queue.ts';

export interface RunStoreOptions {
  /** Longest a recorded event waits before it is written. */
  flushIntervalMs?: number;
  /** Queued writes that trigger an immediate flush. */
  maxBatchSize?: number;
  maxLogLinesPerNode?: number;
  maxLogLineChars?: number;
  /** Writes that failed in the background (one bad event, a full disk). Defaults to console.error. */
  onWriteError?: (error: Error) => void;
}

const DEFAULTS = { flushIntervalMs: 100, maxBatchSize: 1_000, maxLogLinesPerNode: 20_000, maxLogLineChars: 16_000 };

export class RunStore {
  /** Writes one item in a savepoint, so a failing item is rolled back alone. */
  private readonly writeInSavepoint: (item: StoreWrite) => boolean;
  private readonly queue: WriteQueue<StoreWrite>;
  private readonly runs: RunQueries;
  private readonly catalog: CatalogQueries;
  private readonly insertRun;
  private readonly onWriteError: (error: Error) => void;
  private closed = false;

  /** Opens `<dataDir>/crucible.db` (or the given file), migrating it, and owns the connection. */
  static open(location: DatabaseLocation, options: RunStoreOptions & OpenDatabaseOptions = {}): RunStore {
    return new RunStore(openDatabase(location, options), options, { ownsDatabase: true });
  }

  /** Uses a connection from openDatabase(); other stores may share it. close() leaves it open unless owned. */
  constructor(
    private readonly db: SqliteDatabase,
    options: RunStoreOptions = {},
    private readonly ownership = { ownsDatabase: false },
  ) {
    const settings = { ...DEFAULTS, ...definedOnly(options) };
    this.onWriteError = options.onWriteError ?? ((error) => console.error(error.message));
    const writer = new StoreWriter(db, { maxLinesPerNode: settings.maxLogLinesPerNode, maxLineChars: settings.maxLogLineChars });
    this.writeInSavepoint = db.transaction((item: StoreWrite) => writer.write(item));
    this.queue = new WriteQueue<StoreWrite>({
      writeBatch: (items) => this.writeBatch(items),
      flushIntervalMs: settings.flushIntervalMs,
      maxBatchSize: settings.maxBatchSize,
      onError: (error) => this.onWriteError(asError(error)),
    });
    this.runs = new RunQueries(db);
    this.catalog = new CatalogQueries(db);
    this.insertRun = db.prepare(`
      INSERT INTO runs (id, pipeline_name, pipeline_json, pipeline_path, targets_json, status, started_at, engine_pid)
      VALUES (?, ?, ?, ?, ?, 'running', ?, ?)`);
  }

  /** Written at once (not queued), so a duplicate run id throws here, to the caller that chose it. */
  createRun(run: NewRun): void {
    this.assertOpen('createRun');
    try {
      const { runId, pipeline, pipelinePath, targets, startedAt } = run;
      this.insertRun.run(runId, pipeline.name, JSON.stringify(pipeline), pipelinePath, JSON.stringify(targets), startedAt, process.pid);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new Error(`run store: a run with id "${run.runId}" already exists; every run needs a fresh id.`);
      }
      throw error;
    }
  }

  /** Queues an event. Events of runs the store does not know are skipped. */
  record(event: RunEvent): void {
    this.enqueue({ kind: 'event', event }, 'record');
  }

  /** Inserts or replaces a service by id (a stop or a crash updates its status). */
  upsertService(service: ServiceInfo): void {
    this.enqueue({ kind: 'service', service }, 'upsertService');
  }

  /** Inserts or replaces an artifact by key. */
  recordArtifact(artifact: ArtifactRecord): void {
    this.enqueue({ kind: 'artifact', artifact }, 'recordArtifact');
  }

  /** Writes everything queued. Throws if the batch as a whole could not be written. */
  flush(): void {
    this.assertOpen('flush');
    this.queue.flush();
  }

  listRuns(query: PageQuery = {}): RunSummary[] {
    this.flush();
    return this.runs.listRuns(query);
  }

  /** The run with its metric series, each thinned to a bounded count (MAX_POINTS_PER_SERIES in run-queries.ts). */
  getRun(runId: string): StoredRun | null {
    this.flush();
    return this.runs.getRun(runId);
  }

  /** The run, its nodes and the engine process that owns it, without metric points: cheap however long the run. */
  findRun(runId: string): RunRecord | null {
    this.flush();
    return this.runs.findRun(runId);
  }

  logs(runId: string, query: LogQuery = {}): LogEntry[] {
    this.flush();
    return this.runs.logs(runId, query);
  }

  listArtifacts(query: PageQuery = {}): ArtifactRecord[] {
    this.flush();
    return this.catalog.listArtifacts(query);
  }

  listServices(query: { status?: ServiceInfo['status'] } = {}): ServiceInfo[] {
    this.flush();
    return this.catalog.listServices(query);
  }

  /**
   * Call at engine start, before any run: runs and services left "running" by an engine process that is gone become
   * "interrupted" and "stopped". Those of another live engine on this data directory are left as they are.
   */
  markInterrupted(isAlive: (pid: number) => boolean = isProcessAlive): number {
    this.flush();
    return markInterruptedRuns(this.db, isAlive);
  }

  /** Writes what is queued, then closes the connection if this store opened it. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    try {
      this.queue.flush();
    } catch (error) {
      this.onWriteError(asError(error));
    }
    this.queue.cancelTimer();
    this.closed = true;
    if (this.ownership.ownsDatabase) this.db.close();
  }

  private enqueue(item: StoreWrite, operation: string): void {
    this.assertOpen(operation);
    this.queue.push(item);
  }

  /** One transaction per batch; each item in its own savepoint, so one bad item does not lose the others. */
  private writeBatch(items: StoreWrite[]): void {
    this.db.transaction(() => {
      for (const item of items) {
        try {
          this.writeInSavepoint(item);
        } catch (error) {
          const reason = asError(error).message;
          this.onWriteError(new Error(`run store: could not write ${describeWrite(item)}, so it was skipped: ${reason}`, { cause: error }));
        }
      }
    })();
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new Error(`run store: ${operation}() was called after close(); open a new RunStore first.`);
  }
}

function describeWrite(item: StoreWrite): string {
  switch (item.kind) {
    case 'event':
      return `${item.event.type} event of run "${item.event.runId}"`;
    case 'service':
      return `service "${item.service.id}"`;
    case 'artifact':
      return `artifact "${item.artifact.key}"`;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Lets `{ maxBatchSize: undefined }` fall back to the default instead of overriding it. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
