// `crucible studio [--port N] [--no-open]`: starts the engine with its HTTP server and serves the studio UI to a
// browser. The printed URL carries a one-time code, not the token: a copied link stops working once used.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../engine.ts';
import { serveEngine } from '../../server/serve-engine.ts';
import { EXIT, type CliIo } from '../io.ts';

export const RENDERER_BUILD_DIR = path.resolve(import.meta.dirname, '..', '..', '..', 'renderer', 'dist');

export async function studioCommand(engine: Engine, options: { port: number; open: boolean }, io: CliIo): Promise<number> {
  const staticDir = existsSync(path.join(RENDERER_BUILD_DIR, 'index.html')) ? RENDERER_BUILD_DIR : null;
  const running = await serveEngine(engine, { port: options.port, staticDir });
  const link = `${running.url}/#code=${running.server.sessionCodes.issue()}`;
  io.stdout.write(`Crucible studio is running at ${running.url}\n`);
  io.stdout.write(`Open this one-time link in your browser: ${link}\n`);
  if (!staticDir) io.stderr.write(`the studio UI is not built (no ${RENDERER_BUILD_DIR}); the engine API is up at ${running.url}/api\n`);
  io.stdout.write('Press Ctrl-C to stop.\n');
  if (options.open && staticDir) openInBrowser(link);
  await new Promise<void>((resolve) => {
    const stop = io.onInterrupt(() => {
      stop();
      resolve();
    });
  });
  io.stdout.write('stopping…\n');
  await running.close();
  return EXIT.ok;
}

function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined); // no desktop browser: the printed link is enough
  child.unref();
}
