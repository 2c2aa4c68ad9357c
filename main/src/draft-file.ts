// The studio's draft in the app's user-data folder: one file, replaced atomically on each write, so a crash
// mid-write leaves the previous draft. The draft's text is the renderer's business (it checks what it reads back);
// beside it main records the pipeline file the draft belongs to, so that file can be saved again after a restart.
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomically } from './atomic-write.ts';

/** What the file holds. `file` is written by main alone (see desktop-handlers.ts), never taken from the text. */
export interface KeptDraft {
  text: string;
  /** The pipeline file the user had granted the window when the draft was written, or null. */
  file: string | null;
}

const FORMAT = 'crucible.desktop-draft';

export class DraftFile {
  /** Set once the user chose to close without saving: the app is going, and so is its draft. */
  #discarded = false;

  constructor(readonly file: string) {}

  /** The kept draft, or null when there is none (or it cannot be read: the studio then starts empty). */
  read(): KeptDraft | null {
    let content: string;
    try {
      content = readFileSync(this.file, 'utf8');
    } catch {
      return null;
    }
    return keptDraftOf(content);
  }

  /** Replaces the draft; ignored once it was discarded. */
  write(draft: KeptDraft): void {
    if (this.#discarded) return;
    writeFileAtomically(this.file, JSON.stringify({ format: FORMAT, file: draft.file, text: draft.text }));
  }

  /**
   * "Close Without Saving": the draft is removed, and the writes still on their way (the renderer flushes its draft
   * as the window unloads, after the prompt) are ignored, so the next launch does not bring back what the user threw
   * away. The window's closing quits the app (main.ts), so nothing writes a draft again in this process.
   */
  discard(): void {
    this.#discarded = true;
    rmSync(this.file, { force: true });
  }
}

/** A file written before main recorded the draft's file holds the renderer's text alone: it is kept, with no file. */
function keptDraftOf(content: string): KeptDraft {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return { text: content, file: null };
  }
  if (typeof parsed !== 'object' || parsed === null) return { text: content, file: null };
  const { format, file, text } = parsed as Record<string, unknown>;
  if (format !== FORMAT || typeof text !== 'string') return { text: content, file: null };
  return { text, file: typeof file === 'string' && file.length > 0 ? file : null };
}
