// Reads the engine-wide tables that outlive single runs: the services nodes started and the artifacts they made.
// Rows are mapped back to the protocol's ServiceInfo and the store's ArtifactRecord.
import type { ServiceInfo } from '../../app/protocol/run-events.ts';
import type { SqliteDatabase } from './database.ts';
import { pageBounds } from './page-bounds.ts';
import type { ArtifactRecord, PageQuery } from './run-store-types.ts';

const ARTIFACT_PAGE_LIMITS = { defaultLimit: 100, maxLimit: 10_000 };

interface ServiceRow {
  id: string;
  run_id: string;
  node_id: string;
  kind: string;
  name: string;
  url: string | null;
  started_at: string;
  status: ServiceInfo['status'];
  details_json: string | null;
}

export class CatalogQueries {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      allServices: db.prepare('SELECT * FROM services ORDER BY started_at DESC, rowid DESC'),
      servicesWithStatus: db.prepare('SELECT * FROM services WHERE status = ? ORDER BY started_at DESC, rowid DESC'),
      pageOfArtifacts: db.prepare(`
        SELECT key, port, type, path, bytes, created_at AS createdAt, node_id AS nodeId, node_type AS nodeType, run_id AS runId
        FROM artifacts ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`),
    };
  }

  /** Newest first. */
  listServices(query: { status?: ServiceInfo['status'] } = {}): ServiceInfo[] {
    const rows =
      query.status === undefined ? this.statements.allServices.all() : this.statements.servicesWithStatus.all(query.status);
    return (rows as ServiceRow[]).map(serviceOf);
  }

  /** Newest first. */
  listArtifacts(query: PageQuery = {}): ArtifactRecord[] {
    const { limit, offset } = pageBounds(query, ARTIFACT_PAGE_LIMITS);
    return this.statements.pageOfArtifacts.all(limit, offset) as ArtifactRecord[];
  }
}

function serviceOf(row: ServiceRow): ServiceInfo {
  const service: ServiceInfo = {
    id: row.id,
    runId: row.run_id,
    node: row.node_id,
    kind: row.kind,
    name: row.name,
    startedAt: row.started_at,
    status: row.status,
  };
  if (row.url !== null) service.url = row.url;
  if (row.details_json !== null) service.details = JSON.parse(row.details_json) as Record<string, unknown>;
  return service;
}
