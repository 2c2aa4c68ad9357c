// A stand-in engine for the supervisor's tests: becomes ready like the real one (ready line, GET /api/health), then
// crashes a moment later, every time it is started. The moment counts from its answer to the supervisor's health
// check, not from the ready line, so a slow health check on a loaded machine cannot make it exit before it was ready.
import { startStandInEngine } from './stand-in-engine.ts';

startStandInEngine(() => {
  setTimeout(() => {
    process.stderr.write('crashing engine: out of memory\n');
    process.exit(3);
  }, 1_000);
});
