// Where a long-lived engine (the studio, the desktop engine) can be reached, for `crucible services` on the same
// machine and data directory: `engine-address.json` in the data directory with its URL, process id and per-launch
// token. Written owner-only (0600), like the data directory's database it guards, and removed when the engine stops.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isProcessAlive } from '../process-alive.ts';

export const ENGINE_ADDRESS_FILE = 'engine-address.json';

const engineAddress = z.object({ url: z.string().url(), pid: z.number().int().positive(), token: z.string().min(16).max(512), startedAt: z.string() });
export type EngineAddress = z.output<typeof engineAddress>;

/**
 * Records the running engine's address; returns the function that removes it (only while it is still ours). A data
 * directory that cannot take the file costs only `crucible services`: `warn` says so, and the engine runs on.
 */
export function writeEngineAddress(dataDir: string, address: Omit<EngineAddress, 'pid' | 'startedAt'>, warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): () => void {
  const file = path.join(dataDir, ENGINE_ADDRESS_FILE);
  const record: EngineAddress = { ...address, pid: process.pid, startedAt: new Date().toISOString() };
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(record)}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    warn(`crucible services cannot reach this engine: writing ${file} failed (${error instanceof Error ? error.message : String(error)})`);
    return () => undefined;
  }
  return () => {
    if (readEngineAddress(dataDir, () => true)?.token === record.token) rmSync(file, { force: true });
  };
}

/**
 * The address of the engine serving this data directory; undefined when none is recorded, the record is unreadable,
 * or its process is gone (a crashed engine leaves the file behind).
 */
export function readEngineAddress(dataDir: string, isAlive: (pid: number) => boolean = isProcessAlive): EngineAddress | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, ENGINE_ADDRESS_FILE), 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const address = engineAddress.safeParse(parsed);
  return address.success && isAlive(address.data.pid) ? address.data : undefined;
}

