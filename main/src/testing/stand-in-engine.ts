// Test support for the supervisor's stand-in engines: answers GET /api/health like the real engine (with the token
// it was given) and writes the ready line once it listens, then calls `onHealthy` once it has answered its first
// authorised health check (the supervisor's last step before it counts the engine as ready).
import { createServer } from 'node:http';
import { ROUTES, TOKEN_HEADER } from '../../../app/protocol/engine-api.ts';

export function startStandInEngine(onHealthy: () => void = () => undefined): void {
  const token = process.env.CRUCIBLE_ENGINE_TOKEN;
  let healthy = false;
  const server = createServer((request, response) => {
    const authorised = request.headers[TOKEN_HEADER] === token;
    const ok = request.url === ROUTES.health && authorised;
    response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: authorised ? 'ok' : 'unauthorised' }), () => {
      if (!ok || healthy) return;
      healthy = true;
      onHealthy();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}`, port })}\n`);
  });
}
