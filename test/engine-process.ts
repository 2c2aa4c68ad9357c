// Test helper: starts an engine in its own process, waits for its "ready" line, and calls its API.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { TOKEN_HEADER } from '../app/protocol/engine-api.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');

export interface EngineProcess {
  child: ChildProcess;
  url: string;
  token: string;
  api(route: string, init?: RequestInit): Promise<Response>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startEngineProcess(script: string, args: string[], token: string): Promise<EngineProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CRUCIBLE_ENGINE_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ url: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine did not start in 30 s: ${stderr}`)), 30_000);
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
    child.on('exit', (code) => reject(new Error(`engine exited with ${code}: ${stderr}`)));
  });
  return {
    child,
    url: ready.url,
    token,
    api: (route, init = {}) =>
      fetch(`${ready.url}${route}`, {
        ...init,
        headers: { [TOKEN_HEADER]: token, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
      }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}

/** Reads `data:` messages from an SSE response until `until` says stop. */
export async function readSse(response: Response, until: (message: any) => boolean, timeoutMs = 20_000): Promise<any[]> {
  const messages: any[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (!data) continue;
        const message = JSON.parse(data);
        messages.push(message);
        if (until(message)) return messages;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return messages;
}
