// The store's schema as numbered migration steps. Append new steps (API keys, usage...) at the end;
// never edit a released step, since databases in the field have already run it.
import type { MigrationStep } from './database.ts';
import { API_KEYS_AND_REQUEST_LOG, USAGE_ESTIMATED_FLAG } from '../endpoint/store/serving-migration.ts';
import { ENGINE_OWNER } from './engine-owner-migration.ts';
import { SERVICE_RESTORE_OWNER } from './service-restore-owner-migration.ts';
import { SERVICE_RESTORES } from './service-restore-migration.ts';

const RUNS_NODES_METRICS_LOGS_SERVICES_ARTIFACTS = `
CREATE TABLE runs (
  id             TEXT PRIMARY KEY,
  pipeline_name  TEXT NOT NULL,
  pipeline_json  TEXT NOT NULL,
  pipeline_path  TEXT,
  targets_json   TEXT NOT NULL,
  status         TEXT NOT NULL,
  started_at     TEXT NOT NULL,
  finished_at    TEXT
);
CREATE INDEX runs_by_start ON runs (started_at DESC);
CREATE INDEX runs_by_status ON runs (status);

CREATE TABLE run_nodes (
  run_id              TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  node_id             TEXT NOT NULL,
  state               TEXT NOT NULL,
  cached              INTEGER NOT NULL DEFAULT 0,
  reason              TEXT,
  error_message       TEXT,
  error_cause         TEXT,
  duration_ms         REAL,
  artifacts_json      TEXT,
  progress_fraction   REAL,
  progress_message    TEXT,
  progress_eta_ms     REAL,
  progress_at         TEXT,
  last_metrics_json   TEXT,
  log_lines_received  INTEGER NOT NULL DEFAULT 0,
  log_dropped_marker  INTEGER,
  updated_at          TEXT,
  PRIMARY KEY (run_id, node_id)
) WITHOUT ROWID;

CREATE TABLE metric_points (
  id       INTEGER PRIMARY KEY,
  run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  node_id  TEXT NOT NULL,
  name     TEXT NOT NULL,
  step     REAL NOT NULL,
  value    REAL NOT NULL,
  at       TEXT NOT NULL
);
CREATE INDEX metric_points_by_series ON metric_points (run_id, node_id, name, id);

CREATE TABLE log_lines (
  id       INTEGER PRIMARY KEY,
  run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  node_id  TEXT NOT NULL,
  level    TEXT NOT NULL,
  line     TEXT NOT NULL,
  at       TEXT NOT NULL
);
CREATE INDEX log_lines_by_run ON log_lines (run_id, id);
CREATE INDEX log_lines_by_node ON log_lines (run_id, node_id, id);

-- Services and artifacts outlive the run rows they came from (a run may be pruned), so no foreign keys.
CREATE TABLE services (
  id            TEXT PRIMARY KEY,
  run_id        TEXT NOT NULL,
  node_id       TEXT NOT NULL,
  kind          TEXT NOT NULL,
  name          TEXT NOT NULL,
  url           TEXT,
  started_at    TEXT NOT NULL,
  status        TEXT NOT NULL,
  details_json  TEXT
);
CREATE INDEX services_by_status ON services (status, started_at DESC);

CREATE TABLE artifacts (
  key         TEXT PRIMARY KEY,
  run_id      TEXT NOT NULL,
  node_id     TEXT NOT NULL,
  node_type   TEXT NOT NULL,
  port        TEXT NOT NULL,
  type        TEXT NOT NULL,
  path        TEXT NOT NULL,
  bytes       INTEGER NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX artifacts_by_creation ON artifacts (created_at DESC);
`;

export const STORE_MIGRATIONS: readonly MigrationStep[] = [
  { version: 1, description: 'runs, node states, metrics, logs, services and artifacts', up: RUNS_NODES_METRICS_LOGS_SERVICES_ARTIFACTS },
  { version: 2, description: 'API keys and the request usage log', up: API_KEYS_AND_REQUEST_LOG },
  { version: 3, description: 'services to bring back when the engine restarts', up: SERVICE_RESTORES },
  { version: 4, description: 'usage rows whose tokens the gateway estimated', up: USAGE_ESTIMATED_FLAG },
  { version: 5, description: 'the engine process that owns each run and service', up: ENGINE_OWNER },
  { version: 6, description: 'the engine process that recorded each service to bring back', up: SERVICE_RESTORE_OWNER },
];
