// The upstreams of `npm run bench:fleet`: real `crucible serve` processes of one model folder on fixed loopback
// ports (so a killed one restarts where the gateway expects it), and a slow member — a proxy that sleeps before
// passing a request on to a real upstream, so its first byte comes late.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const READY_TIMEOUT_MS = 180_000;

export interface ServeProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** performance.now() when it printed its "Serving" line. */
  readyAtMs: number;
  kill(): void;
  stop(): Promise<void>;
}

/** `crucible serve MODEL_DIR` on `port`, resolved once it serves. */
export async function startServe(options: { modelDir: string; name: string; port: number; dataDir: string; threads: number }): Promise<ServeProcess> {
  const args = ['bin/crucible.js', 'serve', options.modelDir, '--name', options.name, '--port', String(options.port), '--auth', 'none', '--device', 'cpu', '--threads', String(options.threads), '--data-dir', options.dataDir];
  const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, CRUCIBLE_FROM_SOURCE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const readyAtMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`crucible serve on port ${options.port} did not start within ${READY_TIMEOUT_MS / 1000} s:\n${output}`)), READY_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Serving "')) {
        clearTimeout(timer);
        resolve(performance.now());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`crucible serve on port ${options.port} exited (${code}) before serving:\n${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port: options.port,
    url: `http://127.0.0.1:${options.port}`,
    child,
    readyAtMs,
    kill: () => child.kill('SIGKILL'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

export interface SlowProxy {
  url: string;
  close(): Promise<void>;
}

/** Sleeps `delayMs` before forwarding each request to `target`, then streams the answer back as it comes. */
export async function startSlowProxy(target: string, delayMs: number): Promise<SlowProxy> {
  const targetUrl = new URL(target);
  const server = http.createServer((request, response) => {
    const forward = () => {
      const upstream = http.request({ host: targetUrl.hostname, port: targetUrl.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      upstream.on('error', () => response.destroy());
      response.on('close', () => upstream.destroy());
      request.pipe(upstream);
    };
    // Health checks answer at once: the member is slow, not down.
    if (request.url === '/health') forward();
    else setTimeout(forward, delayMs);
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
