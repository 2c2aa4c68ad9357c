// Writing a file so that a crash leaves either the old file or the complete new one: the bytes go to a temp file
// beside it, are flushed to disk, the temp file is renamed over the target, and the folder is flushed so the rename
// itself survives a power loss (where the system lets a folder be opened for that).

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../process-alive.ts';

/** `writeContent` is handed a function that appends bytes; large files are written piece by piece through it. */
export function writeFileAtomically(file: string, writeContent: (append: (bytes: Uint8Array) => void) => void): void {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`; // removeTempFilesOfDeadWriters reads this name
  const fd = openSync(temp, 'w');
  try {
    writeContent((bytes) => {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    });
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, file);
    flushFolder(path.dirname(file));
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // Already closed before the failure.
    }
    rmSync(temp, { force: true });
    throw error;
  }
}

/** fsync of the folder that holds a renamed file; Windows cannot open a folder for it, and needs none. */
function flushFolder(folder: string): void {
  let fd: number;
  try {
    fd = openSync(folder, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder; the file itself is already on disk.
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes the temp files that writes of `file` left when their process was killed mid-write
 * (`<file>.<pid>.<random>.tmp`). Only those of processes no longer running: another process may be writing the same
 * file right now (two runs of one pipeline share a checkpoint folder), and this process's own threads as well.
 */
export function removeTempFilesOfDeadWriters(file: string): void {
  const name = path.basename(file);
  for (const entry of readdirSync(path.dirname(file))) {
    if (!entry.startsWith(`${name}.`)) continue;
    const writer = /^\.(\d+)\.[0-9a-f]+\.tmp$/.exec(entry.slice(name.length));
    if (writer && !isProcessAlive(Number(writer[1]))) rmSync(path.join(path.dirname(file), entry), { force: true });
  }
}

