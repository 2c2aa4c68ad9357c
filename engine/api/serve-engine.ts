// Starts an engine and its HTTP server together; used by `crucible studio`, the desktop shell's engine process and
// the integration tests. Closing stops the server first, then the engine.
import type { Engine } from '../engine.ts';
import { CRUCIBLE_VERSION } from '../version.ts';
import { createEngineServer, type EngineServer, type EngineServerOptions } from './engine-server.ts';

export interface RunningEngine {
  engine: Engine;
  server: EngineServer;
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function serveEngine(engine: Engine, options: Omit<EngineServerOptions, 'engine'> = {}): Promise<RunningEngine> {
  // A long-lived engine brings back the deployments and endpoints that were running when the last one stopped.
  await engine.restoreServices();
  const server = createEngineServer({ version: CRUCIBLE_VERSION, ...options, engine });
  const { url, port } = await server.listen();
  let closing: Promise<void> | undefined;
  return {
    engine,
    server,
    url,
    port,
    token: server.token,
    close() {
      closing ??= server.close().then(() => engine.close());
      return closing;
    },
  };
}
