// What the engine API's tests start from: an engine that runs no nodes, over a fresh data directory, behind its API
// server (not yet listening). `close` undoes all of it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../engine.ts';
import { createEngineServer, type EngineServer, type EngineServerOptions } from '../engine-server.ts';

export interface ApiHarness {
  engine: Engine;
  server: EngineServer;
  /** Closes the server, then the engine, and removes the data directory. */
  close(): Promise<void>;
}

/** `name` labels the temporary data directory (`crucible-<name>-…`). */
export async function openApiHarness(name: string, options: Omit<EngineServerOptions, 'engine'>): Promise<ApiHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `crucible-${name}-`));
  const engine = await Engine.open({ dataDir, runModules: new Map() });
  const server = createEngineServer({ engine, ...options });
  return {
    engine,
    server,
    close: async () => {
      await server.close();
      await engine.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
