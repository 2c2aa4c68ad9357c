// The engine process entry: `node dist/node/engine.js` (built) or `node --import tsx engine/api/main.ts` [--data-dir DIR] [--port N]. The token comes from
// CRUCIBLE_ENGINE_TOKEN (never argv, which other users can read); one JSON line on stdout says it is ready, or, when it
// cannot start, one `{"fatal":"…"}` line and exit code ENGINE_FATAL_EXIT_CODE, which the desktop shell shows and does
// not retry (app/protocol/engine-process.ts).
import { parseArgs } from 'node:util';
import { ENGINE_FATAL_EXIT_CODE, type EngineFatalLine } from '../../app/protocol/engine-process.ts';
import { resolveDataDir } from '../config/data-dir.ts';
import { Engine } from '../engine.ts';
import { serveEngine, type RunningEngine } from './serve-engine.ts';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string' }, port: { type: 'string' }, 'allowed-origin': { type: 'string', multiple: true }, 'static-dir': { type: 'string' } },
});
// Read once and dropped from the environment, so nothing the engine runs or starts later (a pipeline's node, a worker,
// a serve process) can read it.
const token = process.env.CRUCIBLE_ENGINE_TOKEN || undefined;
delete process.env.CRUCIBLE_ENGINE_TOKEN;

/** Says in one line why the engine cannot start (the stack goes to stderr, for the log) and exits. */
function exitFatally(error: unknown, say: (reason: string) => string): never {
  const line: EngineFatalLine = { fatal: say(error instanceof Error ? error.message : String(error)) };
  if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.stdout.write(`${JSON.stringify(line)}\n`);
  process.exit(ENGINE_FATAL_EXIT_CODE);
}

const dataDir = resolveDataDir(values['data-dir']);
let engine: Engine;
try {
  engine = await Engine.open({ dataDir });
} catch (error) {
  exitFatally(error, (reason) => `the engine cannot use its data directory ${dataDir} (${reason}); make it a folder this user can write, or choose another data directory`);
}
let running: RunningEngine;
try {
  running = await serveEngine(engine, {
    token,
    port: values.port ? Number(values.port) : 0,
    allowedOrigins: values['allowed-origin'] ?? [],
    staticDir: values['static-dir'] ?? null,
  });
} catch (error) {
  await engine.close().catch(() => undefined);
  exitFatally(error, (reason) => `the engine cannot start: ${reason}`);
}
process.stdout.write(`${JSON.stringify({ ready: true, url: running.url, port: running.port, dataDir: engine.dataDir })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) process.exit(1);
  stopping = true;
  void running.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
