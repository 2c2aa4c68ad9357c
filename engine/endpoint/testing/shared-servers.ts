// Test support: real PostgreSQL and Redis servers on 127.0.0.1, each in its own temporary directory on a free port,
// for the tests of stores and limits several gateways share. PostgreSQL comes from Debian's `postgresql` package
// (initdb / pg_ctl; as the `postgres` user when the tests run as root, since PostgreSQL refuses to run as root),
// Redis from `redis-server`. Without the binaries a test is skipped with the reason printed — except under CI
// (CI set), where a missing server is a failure, so CI cannot pass by skipping.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../free-port.ts';

export type Availability = { ok: true } | { ok: false; reason: string };

const POSTGRES_VERSIONS = ['17', '16', '15', '14', '13'];

/** The folder holding initdb and pg_ctl, or null. */
export function postgresBinDir(): string | null {
  for (const version of POSTGRES_VERSIONS) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  const onPath = findOnPath('initdb');
  return onPath ? path.dirname(onPath) : null;
}

export function redisServerPath(): string | null {
  return findOnPath('redis-server');
}

/**
 * Whether a test may use the server: fine, skipped with the reason printed, or — under CI — a thrown error, so the
 * suite fails instead of passing by skipping.
 */
export function requireServer(name: 'PostgreSQL' | 'Redis'): Availability {
  const found = name === 'PostgreSQL' ? postgresBinDir() : redisServerPath();
  if (found) return { ok: true };
  const install = name === 'PostgreSQL' ? 'apt-get install postgresql' : 'apt-get install redis-server';
  const reason = `${name} binaries not found (${name === 'PostgreSQL' ? 'initdb/pg_ctl under /usr/lib/postgresql/*/bin or on PATH' : 'redis-server on PATH'}); install them with \`${install}\``;
  if (process.env.CI) throw new Error(`CI is set, so tests that need ${name} must not be skipped: ${reason}`);
  console.warn(`skipping ${name} tests: ${reason}`);
  return { ok: false, reason };
}

export interface PostgresServer {
  /** URL of a fresh database on the server (each call makes another). */
  newDatabase(): Promise<string>;
  url: string;
  stop(): Promise<void>;
}

/** initdb in a temporary directory, then pg_ctl start on a free port; trust auth for the `crucible` superuser. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL binaries not found');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-pg-'));
  const dataDir = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (command: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args], { stdio: 'pipe' }) : execFileSync(path.join(bin, command), args, { stdio: 'pipe' });
  let port = 0;
  let started = false;
  try {
    run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'crucible', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    // The free port is only free when looked at: on a busy machine another process may take it first, so a start
    // that could not bind it tries another.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      fs.rmSync(path.join(dir, 'server.log'), { force: true });
      const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
      try {
        run('pg_ctl', ['-D', dataDir, '-o', settings, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
        break;
      } catch (error) {
        if (attempt >= PORT_ATTEMPTS || !addressInUse(path.join(dir, 'server.log'))) throw error;
      }
    }
    started = true;
  } catch (error) {
    const log = fs.existsSync(path.join(dir, 'server.log')) ? fs.readFileSync(path.join(dir, 'server.log'), 'utf8').slice(-2000) : '';
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}\n${log}`);
  }
  const url = `postgres://crucible@127.0.0.1:${port}/postgres`;
  let databases = 0;
  const stop = async () => {
    if (!started) return;
    started = false;
    try {
      run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', () => void stop().catch(() => undefined));
  return {
    url,
    stop,
    async newDatabase() {
      const name = `crucible_test_${process.pid}_${++databases}`;
      const { Client } = await import('pg');
      const admin = new Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return `postgres://crucible@127.0.0.1:${port}/${name}`;
    },
  };
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** `redis-server --port P --save "" --appendonly no` in a temporary directory. */
export async function startRedis(): Promise<RedisServer> {
  // The free port is only free when looked at: on a busy machine another process may take it first; then another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisOnce();
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !/Address already in use/i.test((error as Error).message)) throw error;
    }
  }
}

async function startRedisOnce(): Promise<RedisServer> {
  const binary = redisServerPath();
  if (!binary) throw new Error('redis-server not found');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 15_000);
    const check = () => {
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  if (!ready) {
    await stop();
    throw new Error(`redis-server did not start on port ${port}:\n${output.slice(-2000)}`);
  }
  process.once('exit', () => child.kill('SIGKILL'));
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}

/** How many free ports a server start tries before it gives up. */
const PORT_ATTEMPTS = 5;

/** Whether a PostgreSQL server log says its port was taken. */
function addressInUse(logFile: string): boolean {
  return fs.existsSync(logFile) && /could not bind|Address already in use/i.test(fs.readFileSync(logFile, 'utf8'));
}

function findOnPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
