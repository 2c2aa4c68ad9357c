// A stand-in engine for the supervisor's tests: answers GET /api/health like the real one but ignores SIGTERM,
// so only the supervisor's kill-after-timeout can end it.
import { startStandInEngine } from './stand-in-engine.ts';

startStandInEngine();
process.on('SIGTERM', () => process.stderr.write('stubborn engine: ignoring SIGTERM\n'));
