// A stand-in engine for the supervisor's tests: answers GET /api/health like the real one but ignores SIGTERM,
// so only the supervisor's kill-after-timeout can end it.
import { createServer } from 'node:http';
import { ROUTES, TOKEN_HEADER } from '../../../app/protocol/engine-api.ts';

const token = process.env.CRUCIBLE_ENGINE_TOKEN;
const server = createServer((request, response) => {
  const authorised = request.headers[TOKEN_HEADER] === token;
  response.writeHead(request.url === ROUTES.health && authorised ? 200 : 401, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ status: authorised ? 'ok' : 'unauthorised' }));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}`, port })}\n`);
});
process.on('SIGTERM', () => process.stderr.write('stubborn engine: ignoring SIGTERM\n'));
