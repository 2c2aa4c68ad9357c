// A stand-in for engine/api/main.ts for the desktop shell's quit test: the real engine and server, with the fixture
// nodes, running a node that ignores cancel, so stopping it takes the engine's whole shutdown budget. Takes main.ts's
// --data-dir and --port; prints the ready line (with the run's id) once the node is running.
import { parseArgs } from 'node:util';
import { createFixtures, fixturePipeline } from '../../executor/testing/fixture-nodes.ts';
import { Engine } from '../../engine.ts';
import { serveEngine } from '../serve-engine.ts';

const fixtures = createFixtures();
const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, port: { type: 'string' } }, strict: false });
const dataDir = String(values['data-dir']);
const engine = await Engine.open({ dataDir, registry: fixtures.registry, runModules: fixtures.runModules });
const running = await serveEngine(engine, { token: process.env.CRUCIBLE_ENGINE_TOKEN, port: Number(values.port ?? 0) });
const pipeline = fixturePipeline([{ id: 'train', type: 'slow', config: { durationMs: 120_000, chunkMs: 100, honorSignal: false } }], [], 'stubborn');
const { runId } = engine.startRun({ pipeline, pipelinePath: null });
while (engine.findRun(runId)?.nodes.train?.state !== 'running') await new Promise((resolve) => setTimeout(resolve, 20));
process.stdout.write(`${JSON.stringify({ ready: true, url: running.url, port: running.port, dataDir, runId })}\n`);
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)));
