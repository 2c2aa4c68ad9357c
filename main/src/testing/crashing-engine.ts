// A stand-in engine for the supervisor's tests: becomes ready like the real one (ready line, GET /api/health), then
// crashes a moment later, every time it is started.
import { startStandInEngine } from './stand-in-engine.ts';

startStandInEngine(() => {
  setTimeout(() => {
    process.stderr.write('crashing engine: out of memory\n');
    process.exit(3);
  }, 300);
});
