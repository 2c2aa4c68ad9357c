// `crucible studio [--port N] [--no-open]`: starts the engine with its HTTP server and serves the studio UI to a
// browser. The printed URL carries a one-time code, not the token: a copied link stops working once used.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../engine.ts';
import { EngineAlreadyServingError, serveEngine, type RunningEngine } from '../../api/serve-engine.ts';
import { REPO_ROOT } from '../../build-mode.ts';
import { listeningProcess } from '../../services/port-holder.ts';
import { EXIT, type CliIo } from '../io.ts';

const RENDERER_BUILD_DIR = path.join(REPO_ROOT, 'renderer', 'dist');
const VITE_BIN = path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');

/** Builds the studio UI on first start from a source checkout (`npm ci` installs Vite); packaged apps ship it built. */
function ensureRendererBuilt(io: CliIo): string | null {
  const index = path.join(RENDERER_BUILD_DIR, 'index.html');
  if (existsSync(index)) return RENDERER_BUILD_DIR;
  if (!existsSync(VITE_BIN)) return null;
  io.stdout.write('building the studio UI (first start only)…\n');
  const build = spawnSync(process.execPath, [VITE_BIN, 'build', '--config', path.join(REPO_ROOT, 'renderer', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (build.status !== 0) io.stderr.write(`building the studio UI failed: ${build.stderr.trim().split('\n').slice(-3).join(' ')}\n`);
  return existsSync(index) ? RENDERER_BUILD_DIR : null;
}

export async function studioCommand(engine: Engine, options: { port: number; open: boolean; build: boolean; restoreServices?: boolean }, io: CliIo): Promise<number> {
  const staticDir = options.build ? ensureRendererBuilt(io) : existsSync(path.join(RENDERER_BUILD_DIR, 'index.html')) ? RENDERER_BUILD_DIR : null;
  let running: RunningEngine;
  try {
    running = await serveEngine(engine, { port: options.port, staticDir, restoreServices: options.restoreServices ?? false });
  } catch (error) {
    // Another engine that started on this data directory after the check before the engine opened.
    const refusal = error instanceof EngineAlreadyServingError ? `crucible studio: ${error.message}` : listenRefusal(error, options.port);
    if (refusal === undefined) throw error;
    io.stderr.write(`${refusal}\n`);
    return EXIT.failed;
  }
  const link = `${running.url}/#code=${running.server.sessionCodes.issue()}`;
  io.stdout.write(`Crucible studio is running at ${running.url}\n`);
  io.stdout.write(`Open this one-time link in your browser: ${link}\n`);
  if (!staticDir) io.stderr.write(`the studio UI is not available (no ${RENDERER_BUILD_DIR}; run "npm run build:renderer"); the engine API is up at ${running.url}/api\n`);
  io.stdout.write('Press Ctrl-C to stop.\n');
  if (options.open && staticDir) openInBrowser(link);
  await new Promise<void>((resolve) => {
    const stop = io.onInterrupt(() => {
      stop();
      resolve();
    });
  });
  const active = engine.activeRunIds().length;
  io.stdout.write(active > 0 ? `stopping… (cancelling ${active} running run${active === 1 ? '' : 's'})\n` : 'stopping…\n');
  await running.close();
  return EXIT.ok;
}

/** One line for a --port the studio cannot listen on, naming what holds it where Linux's /proc tells; else undefined. */
function listenRefusal(error: unknown, port: number): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const elsewhere = 'pick another --port (--port 0 picks a free one)';
  if (code === 'EACCES') return `crucible studio: port ${port} needs privileges this user lacks; ${elsewhere}`;
  if (code !== 'EADDRINUSE') return undefined;
  const holder = listeningProcess(port);
  return `crucible studio: port ${port} is in use by ${holder ? `process ${holder.pid} (${holder.command})` : 'another program'}; stop it, or ${elsewhere}`;
}

function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined); // no desktop browser: the printed link is enough
  child.unref();
}
