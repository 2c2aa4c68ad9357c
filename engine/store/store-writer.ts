// Turns run events, service updates and artifact records into rows. One call writes one item; the caller
// batches calls into a transaction. Events for runs the store does not know are skipped, never thrown.
import type { NodeFailure, NodeProgress, RunEvent, RunEventOf, ServiceInfo } from '../../app/protocol/run-events.ts';
import type { SqliteDatabase } from './database.ts';
import type { ArtifactRecord } from './run-store-types.ts';

export type StoreWrite =
  | { kind: 'event'; event: RunEvent }
  | { kind: 'service'; service: ServiceInfo }
  | { kind: 'artifact'; artifact: ArtifactRecord };

export interface LogLimits {
  /** Lines kept per node per run; later lines are counted in one "dropped" marker line. */
  maxLinesPerNode: number;
  /** Longer lines are cut, so one runaway line cannot bloat the database. */
  maxLineChars: number;
}

interface NodeStateWrite {
  runId: string;
  node: string;
  state: string;
  cached?: boolean;
  reason?: string;
  error?: NodeFailure;
  durationMs?: number;
  artifacts?: unknown;
  at: string;
}

export class StoreWriter {
  private readonly statements;

  constructor(
    db: SqliteDatabase,
    private readonly logLimits: LogLimits,
  ) {
    this.statements = prepareWriteStatements(db);
  }

  /** Writes one item. Returns false when it was skipped because its run is unknown. */
  write(item: StoreWrite): boolean {
    switch (item.kind) {
      case 'service':
        this.upsertService(item.service);
        return true;
      case 'artifact':
        this.statements.upsertArtifact.run(artifactRow(item.artifact));
        return true;
      case 'event':
        if (this.statements.runExists.get(item.event.runId) === undefined) return false;
        this.writeEvent(item.event);
        return true;
    }
  }

  private writeEvent(event: RunEvent): void {
    switch (event.type) {
      case 'run.started':
        for (const node of event.nodes) this.ensureNode(event.runId, node, event.at);
        return;
      case 'node.state':
        return this.writeNodeState(event);
      case 'node.progress':
        return this.writeProgress(event);
      case 'node.log':
        return this.writeLog(event);
      case 'service.started':
        return this.upsertService(event.service);
      case 'run.finished':
        return this.writeRunFinished(event);
    }
  }

  private writeNodeState(write: NodeStateWrite): void {
    this.statements.upsertNodeState.run({
      runId: write.runId,
      node: write.node,
      state: write.state,
      cached: write.cached === undefined ? null : Number(write.cached),
      reason: write.reason ?? null,
      errorMessage: write.error?.message ?? null,
      errorCause: write.error?.cause ?? null,
      durationMs: write.durationMs ?? null,
      artifactsJson: write.artifacts === undefined ? null : JSON.stringify(write.artifacts),
      at: write.at,
    });
  }

  private writeProgress(event: RunEventOf<'node.progress'>): void {
    this.ensureNode(event.runId, event.node, event.at);
    const metrics = finiteMetrics(event.metrics);
    this.statements.updateProgress.run({
      runId: event.runId,
      node: event.node,
      fraction: finiteOrNull(event.fraction),
      message: event.message ?? null,
      etaMs: finiteOrNull(event.etaMs),
      metricsJson: Object.keys(metrics).length > 0 ? JSON.stringify(metrics) : null,
      at: event.at,
    });
    for (const [name, value] of Object.entries(metrics)) {
      const step = finiteOrNull(event.step) ?? this.nextAutomaticStep(event.runId, event.node, name);
      this.statements.insertMetricPoint.run(event.runId, event.node, name, step, value, event.at);
    }
  }

  /** One past the series' last step, so a node that never reports `step` still gets an increasing x axis. */
  private nextAutomaticStep(runId: string, node: string, name: string): number {
    const last = this.statements.lastMetricStep.get(runId, node, name) as { step: number } | undefined;
    return last === undefined ? 0 : last.step + 1;
  }

  private writeLog(event: RunEventOf<'node.log'>): void {
    this.ensureNode(event.runId, event.node, event.at);
    const counts = this.statements.countLogLine.get(event.at, event.runId, event.node) as
      | { received: number; marker: number | null }
      | undefined;
    if (counts === undefined) return;
    const { maxLinesPerNode, maxLineChars } = this.logLimits;
    if (counts.received <= maxLinesPerNode) {
      const line = event.line.length > maxLineChars ? `${event.line.slice(0, maxLineChars)}… (line cut)` : event.line;
      this.statements.insertLogLine.run(event.runId, event.node, event.level, line, event.at);
      return;
    }
    const dropped = counts.received - maxLinesPerNode;
    const marker =
      `${dropped} more line${dropped === 1 ? '' : 's'} dropped: ` +
      `the store keeps the first ${maxLinesPerNode} lines of each node per run`;
    if (counts.marker !== null) {
      this.statements.updateLogLine.run(marker, event.at, counts.marker);
      return;
    }
    const inserted = this.statements.insertLogLine.run(event.runId, event.node, 'warn', marker, event.at);
    this.statements.setLogMarker.run(inserted.lastInsertRowid, event.runId, event.node);
  }

  private writeRunFinished(event: RunEventOf<'run.finished'>): void {
    this.statements.finishRun.run(event.status, event.at, event.runId);
    for (const [node, summary] of Object.entries(event.nodes)) {
      this.writeNodeState({ ...summary, runId: event.runId, node, at: event.at });
      const metrics = finiteMetrics(summary.metrics);
      if (Object.keys(metrics).length > 0) this.statements.mergeLastMetrics.run(JSON.stringify(metrics), event.runId, node);
    }
  }

  private upsertService(service: ServiceInfo): void {
    this.statements.upsertService.run({
      id: service.id,
      runId: service.runId,
      node: service.node,
      kind: service.kind,
      name: service.name,
      url: service.url ?? null,
      startedAt: service.startedAt,
      status: service.status,
      detailsJson: service.details === undefined ? null : JSON.stringify(service.details),
      // The process that writes a service's state is the engine that runs it.
      enginePid: process.pid,
    });
  }

  private ensureNode(runId: string, node: string, at: string): void {
    this.statements.ensureNode.run(runId, node, at);
  }
}

function artifactRow(artifact: ArtifactRecord): Record<string, unknown> {
  const { key, runId, nodeId, nodeType, port, type, path, bytes, createdAt } = artifact;
  return { key, runId, nodeId, nodeType, port, type, path, bytes, createdAt };
}

function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** SQLite and JSON cannot hold NaN or Infinity; such values are left out rather than stored as nulls. */
function finiteMetrics(metrics: NodeProgress['metrics']): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics ?? {}).filter(([, value]) => Number.isFinite(value)));
}

function prepareWriteStatements(db: SqliteDatabase) {
  return {
    runExists: db.prepare('SELECT 1 FROM runs WHERE id = ?').pluck(),
    ensureNode: db.prepare(
      `INSERT INTO run_nodes (run_id, node_id, state, updated_at) VALUES (?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
    ),
    // A field an event leaves out keeps its earlier value: "succeeded" need not repeat the reason given at "running".
    upsertNodeState: db.prepare(`
      INSERT INTO run_nodes (run_id, node_id, state, cached, reason, error_message, error_cause, duration_ms, artifacts_json, updated_at)
      VALUES (@runId, @node, @state, coalesce(@cached, 0), @reason, @errorMessage, @errorCause, @durationMs, @artifactsJson, @at)
      ON CONFLICT (run_id, node_id) DO UPDATE SET
        state = @state,
        cached = coalesce(@cached, cached),
        reason = coalesce(@reason, reason),
        error_message = coalesce(@errorMessage, error_message),
        error_cause = coalesce(@errorCause, error_cause),
        duration_ms = coalesce(@durationMs, duration_ms),
        artifacts_json = coalesce(@artifactsJson, artifacts_json),
        updated_at = @at`),
    updateProgress: db.prepare(`
      UPDATE run_nodes SET
        progress_fraction = coalesce(@fraction, progress_fraction),
        progress_message = coalesce(@message, progress_message),
        progress_eta_ms = coalesce(@etaMs, progress_eta_ms),
        progress_at = @at,
        last_metrics_json = CASE WHEN @metricsJson IS NULL THEN last_metrics_json
                                 ELSE json_patch(coalesce(last_metrics_json, '{}'), @metricsJson) END,
        updated_at = @at
      WHERE run_id = @runId AND node_id = @node`),
    mergeLastMetrics: db.prepare(
      `UPDATE run_nodes SET last_metrics_json = json_patch(coalesce(last_metrics_json, '{}'), ?) WHERE run_id = ? AND node_id = ?`,
    ),
    insertMetricPoint: db.prepare('INSERT INTO metric_points (run_id, node_id, name, step, value, at) VALUES (?, ?, ?, ?, ?, ?)'),
    lastMetricStep: db.prepare(
      'SELECT step FROM metric_points WHERE run_id = ? AND node_id = ? AND name = ? ORDER BY id DESC LIMIT 1',
    ),
    countLogLine: db.prepare(`
      UPDATE run_nodes SET log_lines_received = log_lines_received + 1, updated_at = ?
      WHERE run_id = ? AND node_id = ?
      RETURNING log_lines_received AS received, log_dropped_marker AS marker`),
    insertLogLine: db.prepare('INSERT INTO log_lines (run_id, node_id, level, line, at) VALUES (?, ?, ?, ?, ?)'),
    updateLogLine: db.prepare('UPDATE log_lines SET line = ?, at = ? WHERE id = ?'),
    setLogMarker: db.prepare('UPDATE run_nodes SET log_dropped_marker = ? WHERE run_id = ? AND node_id = ?'),
    finishRun: db.prepare('UPDATE runs SET status = ?, finished_at = ? WHERE id = ?'),
    upsertService: db.prepare(
      replaceOnConflict('services', 'id', {
        id: 'id', run_id: 'runId', node_id: 'node', kind: 'kind', name: 'name', url: 'url', started_at: 'startedAt', status: 'status', details_json: 'detailsJson', engine_pid: 'enginePid',
      }),
    ),
    // The same key means the same content; the latest record says where it lives now and which run made it.
    upsertArtifact: db.prepare(
      replaceOnConflict('artifacts', 'key', {
        key: 'key', run_id: 'runId', node_id: 'nodeId', node_type: 'nodeType', port: 'port', type: 'type', path: 'path', bytes: 'bytes', created_at: 'createdAt',
      }),
    ),
  };
}

/** An insert that, when a row with the same key exists, overwrites all its other columns. `parameters` maps each
 * column to the named parameter (`@name`) that fills it. */
function replaceOnConflict(table: string, key: string, parameters: Record<string, string>): string {
  const columns = Object.keys(parameters);
  const assignments = columns.filter((column) => column !== key).map((column) => `${column} = @${parameters[column]}`);
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((column) => `@${parameters[column]}`).join(', ')})
    ON CONFLICT (${key}) DO UPDATE SET ${assignments.join(', ')}`;
}
