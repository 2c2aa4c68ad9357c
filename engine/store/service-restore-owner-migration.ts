// The store's schema step that records which engine process recorded each service to bring back, so a second engine
// opening the data directory never lists as stopped, or starts again, a service a live engine still runs. Appended
// to migrations.ts; once released, never edit it.

export const SERVICE_RESTORE_OWNER = `
ALTER TABLE service_restores ADD COLUMN engine_pid INTEGER;
`;
