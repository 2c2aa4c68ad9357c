// Starts an engine and its HTTP server together; used by `crucible studio`, the desktop shell's engine process and
// the integration tests. Closing stops the server first, then the engine.
import path from 'node:path';
import { CONNECTION_GRACE_MS, RUN_STOP_GRACE_MS } from '../../app/protocol/engine-process.ts';
import type { Engine } from '../engine.ts';
import { CRUCIBLE_VERSION } from '../version.ts';
import { readEngineAddress, writeEngineAddress } from './engine-address-file.ts';
import { createEngineServer, type EngineServer, type EngineServerOptions } from './engine-server.ts';


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

/** A live engine already serves the data directory: a second one must not start on it. */
export class EngineAlreadyServingError extends Error {
  readonly code = 'ENGINE_ALREADY_SERVING';
}

/**
 * The data directories an engine of this process serves now. The address file's pid cannot tell this process's live
 * engine from one it closed without cleaning up (a crash caught in-process), so this process keeps its own list.
 */
const servedHere = new Set<string>();

/**
 * Refuses when another live engine serves `dataDir`: a second one would list the first one's running services as
 * stopped (and restart them on a taken port) and take over engine-address.json, hiding the first from
 * `crucible services` and deleting the file when it stops. The desktop engine and the studio both come through here.
 */
function refuseIfServed(dataDir: string): void {
  const refusal = engineServingRefusal(dataDir);
  if (refusal !== undefined) throw new EngineAlreadyServingError(refusal);
}

/** Why no engine may serve `dataDir` now (another live engine does), or undefined; the CLI asks before it opens one. */
export function engineServingRefusal(dataDir: string): string | undefined {
  const other = readEngineAddress(dataDir);
  if (!other || (other.pid === process.pid && !servedHere.has(dataDir))) return undefined;
  return `a Crucible engine (pid ${other.pid}) already serves the data directory ${dataDir} at ${other.url}; use that one, stop it first, or start this one with another data directory`;
}

export async function serveEngine(engine: Engine, options: ServeEngineOptions = {}): Promise<RunningEngine> {
  const { connectionGraceMs = CONNECTION_GRACE_MS, restoreServices = false, ...serverOptions } = options;
  const dataDir = path.resolve(engine.dataDir);
  refuseIfServed(dataDir);
  // Claimed before the first await, so a second serveEngine in this process is refused even while this one starts.
  servedHere.add(dataDir);
  try {
    return await serve(engine, dataDir, connectionGraceMs, restoreServices, serverOptions);
  } catch (error) {
    servedHere.delete(dataDir);
    throw error;
  }
}

async function serve(engine: Engine, dataDir: string, connectionGraceMs: number, restoreServices: boolean, serverOptions: Omit<EngineServerOptions, 'engine'>): Promise<RunningEngine> {
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
      servedHere.delete(dataDir);
      // Within ENGINE_SHUTDOWN_BUDGET_MS, which the desktop shell waits for before it kills the process.
      closing ??= closeWithin(server, connectionGraceMs).then(() => engine.close(RUN_STOP_GRACE_MS));
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
