// The store's schema step for serving: API keys (only a hash of each secret) and the per-request usage log.
// Appended to engine/store/migrations.ts; once released, never edit it — add a new step instead.

export const API_KEYS_AND_REQUEST_LOG = `
CREATE TABLE api_keys (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  key_hash       TEXT NOT NULL UNIQUE,
  key_hint       TEXT NOT NULL,
  models_json    TEXT,
  rpm            INTEGER,
  tpm            INTEGER,
  concurrency    INTEGER,
  budget         REAL,
  budget_period  TEXT,
  expires_at     TEXT,
  created_at     TEXT NOT NULL,
  revoked_at     TEXT
);
-- A name may be reused once its key is revoked.
CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;

CREATE TABLE api_requests (
  id                 INTEGER PRIMARY KEY,
  request_id         TEXT NOT NULL,
  key_id             TEXT,
  model              TEXT,
  endpoint           TEXT NOT NULL,
  status             INTEGER NOT NULL,
  error_code         TEXT,
  prompt_tokens      INTEGER NOT NULL DEFAULT 0,
  completion_tokens  INTEGER NOT NULL DEFAULT 0,
  cost               REAL NOT NULL DEFAULT 0,
  currency           TEXT,
  latency_ms         REAL,
  ttft_ms            REAL,
  at                 TEXT NOT NULL
);
CREATE INDEX api_requests_by_key ON api_requests (key_id, at);
CREATE INDEX api_requests_by_time ON api_requests (at);
`;
