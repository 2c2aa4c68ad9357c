// The studio's draft in the app's user-data folder: one file, replaced atomically on each write, so a crash
// mid-write leaves the previous draft. Its content is the renderer's business (it checks what it reads back).
import { readFileSync } from 'node:fs';
import { writeFileAtomically } from './atomic-write.ts';

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
    writeFileAtomically(this.file, text);
  }
}
