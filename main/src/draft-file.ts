// The studio's draft in the app's user-data folder: one file, replaced atomically on each write, so a crash
// mid-write leaves the previous draft. Its content is the renderer's business (it checks what it reads back).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class DraftFile {
  constructor(readonly file: string) {}

  /** The kept draft, or null when there is none (or it cannot be read: the studio then starts empty). */
  read(): string | null {
    try {
      return readFileSync(this.file, 'utf8');
    } catch {
      return null;
    }
  }

  write(text: string): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const partial = `${this.file}.${process.pid}.partial`;
    writeFileSync(partial, text);
    renameSync(partial, this.file);
  }
}
