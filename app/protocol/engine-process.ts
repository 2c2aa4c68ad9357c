// What the engine process (engine/api/main.ts) and the desktop shell that supervises it (main/src/engine-process.ts)
// agree on besides HTTP: the one line it prints when it cannot start, and how long it may take to stop. Both sides
// read these constants, so the supervisor's kill deadline cannot drift below the engine's own shutdown.

/** Exit code of an engine that refused to start (bad data directory, another engine serving it): never retried. */
export const ENGINE_FATAL_EXIT_CODE = 78;

/** The stdout line of an engine that cannot start: `{"fatal":"…"}`, one sentence saying what and what to do. */
export interface EngineFatalLine {
  fatal: string;
}

/** How long requests already in flight may take to finish once the engine's server is closing, before their connections are cut. */
export const CONNECTION_GRACE_MS = 1_000;

/**
 * How long a stopping engine waits for its cancelled runs to end. Above the executor's cancel grace (5 s, the time a
 * node that ignores cancel gets before it is given up on), so each run is recorded as ended and its batched logs
 * written, never left "running".
 */
export const RUN_STOP_GRACE_MS = 7_000;

/** Allowance for stopping the engine's deployments and endpoints and closing its stores, after the runs. */
export const SERVICES_STOP_ALLOWANCE_MS = 3_000;

/** The most a SIGTERM-ed engine takes to stop on its own. */
export const ENGINE_SHUTDOWN_BUDGET_MS = CONNECTION_GRACE_MS + RUN_STOP_GRACE_MS + SERVICES_STOP_ALLOWANCE_MS;

/** How long the desktop shell waits for a stopping engine before it kills it: its budget plus the process's own exit. */
export const ENGINE_STOP_TIMEOUT_MS = ENGINE_SHUTDOWN_BUDGET_MS + 2_000;
