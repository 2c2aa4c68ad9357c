// The store's schema step that records which engine process owns each run and service, so an engine opening the
// data directory marks only what a stopped engine left "running", never a live one's (a `crucible runs` beside the
// studio). Appended to migrations.ts; once released, never edit it.

export const ENGINE_OWNER = `
ALTER TABLE runs ADD COLUMN engine_pid INTEGER;
ALTER TABLE services ADD COLUMN engine_pid INTEGER;
`;
