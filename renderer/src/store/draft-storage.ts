// Where the draft is kept and when it is written. In a browser: this tab's sessionStorage (each tab its own draft,
// kept across reloads) and localStorage (the latest draft of any tab, for a new tab), as ComfyUI keeps workflows.
// In the desktop app: a file in the app's data folder, through the desktop API. Writes wait for a quiet moment.
import type { DesktopApi } from '../../../app/protocol/desktop-ipc.ts';
import { draftKeyOf, draftOf, parseDraft, restoreDraft, type Draft } from './draft.ts';
import type { StudioState } from './studio-state.ts';
import type { StudioStore } from './studio-store.ts';

export const DRAFT_STORAGE_KEY = 'crucible.draft';
export const DRAFT_WRITE_DELAY_MS = 400;

export interface DraftStore {
  /** The draft text, or null when there is none. */
  read(): Promise<string | null>;
  /** Throws when the draft cannot be kept (storage full, disk error). */
  write(draft: Draft): Promise<void>;
  /** The same, done (or thrown) when it returns: as the page goes away, nothing asynchronous is sure to finish. */
  writeNow(draft: Draft): void;
}

/** A browser's two storages: this tab's draft first, else the latest of any tab. */
export function browserDraftStore(session: Pick<Storage, 'getItem' | 'setItem'>, local: Pick<Storage, 'getItem' | 'setItem'>): DraftStore {
  const writeNow = (draft: Draft) => {
    const text = JSON.stringify(draft);
    session.setItem(DRAFT_STORAGE_KEY, text);
    local.setItem(DRAFT_STORAGE_KEY, text);
  };
  return { read: async () => session.getItem(DRAFT_STORAGE_KEY) ?? local.getItem(DRAFT_STORAGE_KEY), write: async (draft) => writeNow(draft), writeNow };
}

/**
 * The desktop app's draft file, through the shell (main/src/draft-file.ts). The draft's file goes along: main records
 * it when the window may save there, so after a restart that file can be saved again without picking it anew.
 */
export function desktopDraftStore(api: Pick<DesktopApi, 'readDraft' | 'writeDraft' | 'writeDraftNow'>): DraftStore {
  const request = (draft: Draft) => ({ text: JSON.stringify(draft), path: draft.filePath });
  return {
    read: () => api.readDraft(),
    write: (draft) => api.writeDraft(request(draft)),
    writeNow: (draft) => api.writeDraftNow(request(draft)),
  };
}

/**
 * Restores the kept draft, if any; says in a notice why one could not be restored. A document opened while the draft
 * was being read (a file the desktop app was asked to open) wins over it.
 */
export async function restoreKeptDraft(store: StudioStore, drafts: DraftStore): Promise<Draft | null> {
  const epoch = store.getState().documentEpoch;
  const text = await drafts.read().catch(() => null);
  if (text === null || store.getState().documentEpoch !== epoch) return null;
  const reading = parseDraft(text);
  const restored = reading.ok ? restoreDraft(store, reading.draft) : reading;
  if (!restored.ok) {
    store.getState().notify('error', `The draft kept from the last session was not restored: ${restored.message}. The studio starts with an empty pipeline.`);
    return null;
  }
  return reading.ok ? reading.draft : null;
}

export interface DraftKeeper {
  /** Writes now, synchronously, what is not known to be written yet (before the page goes away). */
  flush(): void;
  /** True while every change is written; false while one waits or the last write failed. */
  isKept(): boolean;
  stop(): void;
}

/** Writes the draft after each change to what it records, at most once per `delayMs`. */
export function keepDraft(store: StudioStore, drafts: DraftStore, delayMs = DRAFT_WRITE_DELAY_MS): DraftKeeper {
  let writtenKey = draftKeyOf(store.getState());
  let pending: ReturnType<typeof setTimeout> | null = null;
  /** Counts writes begun, so an older write finishing late does not speak for a newer one. */
  let writes = 0;
  let failed = false;
  let warned = false;

  const kept = (key: readonly unknown[]) => {
    failed = false;
    writtenKey = key;
  };
  const lost = (state: StudioState, error: unknown) => {
    failed = true;
    if (!warned) state.notify('error', `The draft of this pipeline cannot be kept (${(error as Error).message}); save it to a file so a reload does not lose it.`);
    warned = true;
  };
  const write = () => {
    pending = null;
    const state = store.getState();
    const key = draftKeyOf(state);
    const serial = ++writes;
    drafts.write(draftOf(state)).then(
      () => {
        if (serial === writes) kept(key);
      },
      (error: unknown) => {
        if (serial === writes) lost(state, error);
      },
    );
  };
  const sameAsWritten = (key: readonly unknown[]) => key.every((part, index) => part === writtenKey[index]);
  const changed = (state: StudioState) => {
    if (sameAsWritten(draftKeyOf(state)) || pending !== null) return;
    pending = setTimeout(write, delayMs);
  };
  const unsubscribe = store.subscribe(changed);
  return {
    // Also rewrites a change whose write was begun but not answered: sent as the window closes, it may never land.
    flush() {
      if (pending !== null) clearTimeout(pending);
      pending = null;
      const state = store.getState();
      const key = draftKeyOf(state);
      if (!failed && sameAsWritten(key)) return;
      writes += 1;
      try {
        drafts.writeNow(draftOf(state));
        kept(key);
      } catch (error) {
        lost(state, error);
      }
    },
    isKept: () => pending === null && !failed,
    stop() {
      if (pending !== null) clearTimeout(pending);
      unsubscribe();
    },
  };
}

/**
 * Writes the pending draft when the page goes away: the window closed or reloaded, the app quit. On `beforeunload`,
 * which the desktop window fires after main's close prompt and before the window is gone, so main still takes the
 * page's synchronous write; `pagehide` would do as well but comes later.
 */
export function flushDraftOnUnload(page: Pick<EventTarget, 'addEventListener'>, keeper: DraftKeeper): void {
  page.addEventListener('beforeunload', () => keeper.flush());
}
