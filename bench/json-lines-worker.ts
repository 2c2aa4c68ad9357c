// The worker side of bench/train.ts's JSON-lines protocol: the first stdin line is the settings, each further
// line a command whose reply goes to stdout as one line. Diagnostics go to stderr so they never break a reply.

import { createInterface } from 'node:readline';

export async function serveJsonLines<Settings, Command>(handlers: {
  start: (settings: Settings) => Promise<unknown>;
  command: (command: Command) => Promise<unknown>;
}): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let started = false;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const message = JSON.parse(line) as unknown;
    const reply = started ? await handlers.command(message as Command) : await handlers.start(message as Settings);
    started = true;
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
}
