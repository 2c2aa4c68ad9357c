// New, Open, Save and Save As for the studio: asks before discarding unsaved changes, remembers the file handle so
// Save writes back to the same file, and reports problems through the store's notices.
import { selectDirty } from '../store/selectors.ts';
import type { StudioStore } from '../store/studio-store.ts';
import { pickFileToOpen, suggestedFileName, writeFile, type PipelineFileHandle } from './file-access.ts';

export interface FileCommands {
  newPipeline(): void;
  open(): Promise<void>;
  /** Only the desktop app keeps a recent-files list. */
  openRecent?(path: string): Promise<void>;
  /** A pipeline handed over from outside the window (a double-click, the command line). */
  openFromOutside?(opened: { path: string; text: string }): void;
  save(): Promise<void>;
  saveAs(): Promise<void>;
}

export function createFileCommands(store: StudioStore, confirm: (question: string) => boolean = (question) => window.confirm(question)): FileCommands {
  let handle: PipelineFileHandle | null = null;
  const mayDiscard = () => !selectDirty(store.getState()) || confirm('Discard the unsaved changes to this pipeline?');

  const save = async (asNewFile: boolean) => {
    const state = store.getState();
    const result = state.saveText({ asNewFile });
    if (!result.ok) return state.notify('error', `Cannot save: ${result.message}`);
    try {
      const saved = await writeFile(result.text, state.fileName ?? suggestedFileName(result.doc.name), asNewFile ? null : handle);
      if (!saved) return;
      handle = saved.handle;
      store.getState().markSaved(saved.name, result.doc);
      if (!saved.handle) store.getState().notify('info', `Downloaded ${saved.name}; this browser cannot write files in place`);
    } catch (error) {
      store.getState().notify('error', `Cannot save ${state.fileName ?? 'the pipeline'}: ${(error as Error).message}`);
    }
  };

  return {
    newPipeline() {
      if (!mayDiscard()) return;
      handle = null;
      store.getState().newPipeline();
    },
    async open() {
      if (!mayDiscard()) return;
      try {
        const opened = await pickFileToOpen();
        if (!opened) return;
        // A file that could not be read is never written back through its handle (see saveText's refusal).
        handle = opened.handle;
        store.getState().openText(opened.text, opened.name);
      } catch (error) {
        store.getState().notify('error', `Cannot open the file: ${(error as Error).message}`);
      }
    },
    save: () => save(false),
    saveAs: () => save(true),
  };
}
