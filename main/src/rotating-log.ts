// A log file that rolls over at a size limit (engine.log → engine.log.1 → … → dropped), so a chatty engine never
// fills the disk; the newest part can be read back for the in-app log view.
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

export interface RotatingLogOptions {
  file: string;
  maxFileBytes?: number;
  /** Rolled-over files kept besides the current one. */
  keepFiles?: number;
}

export class RotatingLog {
  readonly file: string;
  private readonly maxFileBytes: number;
  private readonly keepFiles: number;
  private currentBytes: number;

  constructor(options: RotatingLogOptions) {
    this.file = options.file;
    this.maxFileBytes = options.maxFileBytes ?? 5 * 1024 * 1024;
    this.keepFiles = options.keepFiles ?? 3;
    mkdirSync(path.dirname(this.file), { recursive: true });
    this.currentBytes = existsSync(this.file) ? statSync(this.file).size : 0;
  }

  /** Appends text as it came (stdout chunks keep their own newlines). */
  write(text: string): void {
    if (text.length === 0) return;
    const bytes = Buffer.byteLength(text);
    if (this.currentBytes > 0 && this.currentBytes + bytes > this.maxFileBytes) this.rotate();
    appendFileSync(this.file, text);
    this.currentBytes += bytes;
  }

  /** Appends one line stamped with the time, for the supervisor's own notes ("engine exited with code 1"). */
  note(message: string): void {
    this.write(`[${new Date().toISOString()}] ${message}\n`);
  }

  /** The last `maxBytes` of the current file, starting at a line boundary. */
  readTail(maxBytes: number): string {
    if (!existsSync(this.file)) return '';
    const size = statSync(this.file).size;
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    const fd = openSync(this.file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, start);
    } finally {
      closeSync(fd);
    }
    const text = buffer.toString('utf8');
    if (start === 0) return text;
    const firstBreak = text.indexOf('\n');
    return firstBreak >= 0 ? text.slice(firstBreak + 1) : text;
  }

  private rotate(): void {
    rmSync(`${this.file}.${this.keepFiles}`, { force: true });
    for (let index = this.keepFiles - 1; index >= 1; index--) {
      const older = `${this.file}.${index}`;
      if (existsSync(older)) renameSync(older, `${this.file}.${index + 1}`);
    }
    if (this.keepFiles > 0) renameSync(this.file, `${this.file}.1`);
    else rmSync(this.file, { force: true });
    this.currentBytes = 0;
  }
}
