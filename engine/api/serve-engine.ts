// Starts an engine and its HTTP server together; used by `crucible studio`, the desktop shell's engine process and
// the integration tests. Closing stops the server first, then the engine.
import type { Engine } from '../engine.ts';
import { CRUCIBLE_VERSION } from '../version.ts';
import { writeEngineAddress } from './engine-address-file.ts';
import { createEngineServer, type EngineServer, type EngineServerOptions } from './engine-server.ts';

/** How long requests already in flight may take to finish once the server is closing, before their connections are cut. */
export const CONNECTION_GRACE_MS = 1_000;

export interface RunningEngine {
  engine: Engine;
  server: EngineServer;
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export interface ServeEngineOptions extends Omit<EngineServerOptions, 'engine'> {
  connectionGraceMs?: number;
  /**
   * Start again the deployments and endpoints that were running when the last engine on this data directory
   * stopped. Off by default: they are listed as stopped, and the user restarts the ones they want.
   */
  restoreServices?: boolean;
}

export async function serveEngine(engine: Engine, options: ServeEngineOptions = {}): Promise<RunningEngine> {
  const { connectionGraceMs = CONNECTION_GRACE_MS, restoreServices = false, ...serverOptions } = options;
  const server = createEngineServer({ version: CRUCIBLE_VERSION, ...serverOptions, engine });
  // Listening comes first, so a port that is taken (EADDRINUSE, for the caller to explain) refuses before any
  // service is restored. No client uses the server before this returns: only then are a free port's number, the
  // ready line and the studio's one-time link given out.
  const { url, port } = await server.listen().catch(async (error: unknown) => {
    await server.close().catch(() => undefined); // nothing listens; only what Fastify set up is let go
    throw error;
  });
  try {
    // A long-lived engine lists the services the last one ran (stopped, ready to restart) or, when asked, restarts them.
    await engine.restoreServices(undefined, { restart: restoreServices });
  } catch (error) {
    await server.close();
    throw error;
  }
  const forgetAddress = writeEngineAddress(engine.dataDir, { url, token: server.token });
  let closing: Promise<void> | undefined;
  return {
    engine,
    server,
    url,
    port,
    token: server.token,
    close() {
      forgetAddress();
      closing ??= closeWithin(server, connectionGraceMs).then(() => engine.close());
      return closing;
    },
  };
}

/**
 * Closes the server and, past the grace, cuts the connections still open: a request whose body never arrives or a
 * client that holds its socket would otherwise keep the process alive after "stopping…" until a second signal.
 */
async function closeWithin(server: EngineServer, graceMs: number): Promise<void> {
  const cut = setTimeout(() => server.app.server.closeAllConnections(), graceMs);
  try {
    await server.close();
  } finally {
    clearTimeout(cut);
  }
}
