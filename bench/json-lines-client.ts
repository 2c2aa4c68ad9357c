// The orchestrator side of the bench's JSON-lines protocol: starts a worker process, sends one message per line
// and awaits its one-line reply. A worker that exits early rejects the pending request with its stderr tail.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export class JsonLinesWorker {
  private readonly replies: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private stderrTail = '';
  private exited = false;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    createInterface({ input: child.stdout }).on('line', (line) => this.deliver(line));
    child.stderr.on('data', (chunk: Buffer) => (this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000)));
    child.on('exit', () => {
      this.exited = true;
      this.deliver(null);
    });
  }

  static start(label: string, command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): JsonLinesWorker {
    return new JsonLinesWorker(label, spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
  }

  async request<Reply>(message: unknown): Promise<Reply> {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
    const line = await this.nextLine();
    if (line === null) throw new Error(`bench worker "${this.label}" exited before replying; its stderr ends with:\n${this.stderrTail}`);
    return JSON.parse(line) as Reply;
  }

  close(): void {
    this.child.stdin.end();
  }

  private nextLine(): Promise<string | null> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private deliver(line: string | null): void {
    if (this.waiting === null) {
      if (line !== null) this.replies.push(line);
      return;
    }
    const resolve = this.waiting;
    this.waiting = null;
    resolve(line);
  }
}
