// Keeps the desktop window's title bar and close prompt in step with the document: its name, path and whether it
// has unsaved changes. Sends only when one of them changes.
import type { DesktopApi } from '../../../app/protocol/desktop-ipc.ts';
import { selectDirty } from '../store/selectors.ts';
import type { StudioState } from '../store/studio-state.ts';
import type { StudioStore } from '../store/studio-store.ts';

export function documentStateOf(state: StudioState): { title: string; path: string | null; dirty: boolean } {
  return { title: state.fileName ?? state.doc.name, path: state.filePath, dirty: selectDirty(state) };
}

export function syncDocumentState(store: StudioStore, api: Pick<DesktopApi, 'setDocumentState'>): () => void {
  let sent = '';
  const send = (state: StudioState) => {
    const next = documentStateOf(state);
    const key = JSON.stringify(next);
    if (key === sent) return;
    sent = key;
    void api.setDocumentState(next).catch(() => undefined);
  };
  send(store.getState());
  return store.subscribe(send);
}
