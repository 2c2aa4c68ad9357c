// The engine process entry: `node dist/node/engine.js` (built) or `node --import tsx engine/api/main.ts` [--data-dir DIR] [--port N]. The token comes from
// CRUCIBLE_ENGINE_TOKEN (never argv, which other users can read); one JSON line on stdout says it is ready.
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../config/data-dir.ts';
import { Engine } from '../engine.ts';
import { serveEngine } from './serve-engine.ts';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string' }, port: { type: 'string' }, 'allowed-origin': { type: 'string', multiple: true }, 'static-dir': { type: 'string' } },
});
// Read once and dropped from the environment, so nothing the engine runs or starts later (a pipeline's node, a worker,
// a serve process) can read it.
const token = process.env.CRUCIBLE_ENGINE_TOKEN || undefined;
delete process.env.CRUCIBLE_ENGINE_TOKEN;
const engine = await Engine.open({ dataDir: resolveDataDir(values['data-dir']) });
const running = await serveEngine(engine, {
  token,
  port: values.port ? Number(values.port) : 0,
  allowedOrigins: values['allowed-origin'] ?? [],
  staticDir: values['static-dir'] ?? null,
});
process.stdout.write(`${JSON.stringify({ ready: true, url: running.url, port: running.port, dataDir: engine.dataDir })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) process.exit(1);
  stopping = true;
  void running.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
