// The store's schema step for bringing services back after an engine restart: one row per service a long-lived
// engine started, with the recipe to start it again. Appended to migrations.ts; once released, never edit it.

export const SERVICE_RESTORES = `
-- state: 'wanted' (bring it back when the engine starts), 'stopped' (by the user), 'failed' (ended by itself, or
-- could not be brought back: see note), 'restored' (brought back as the service named in note).
CREATE TABLE service_restores (
  service_id   TEXT PRIMARY KEY,
  run_id       TEXT NOT NULL,
  node_id      TEXT NOT NULL,
  kind         TEXT NOT NULL,
  name         TEXT NOT NULL,
  recipe_json  TEXT NOT NULL,
  state        TEXT NOT NULL,
  note         TEXT,
  recorded_at  TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX service_restores_by_state ON service_restores (state, recorded_at);
`;
