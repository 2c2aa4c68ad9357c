// The studio's entry: builds the store from the browser-safe node specs (so the palette works before the engine
// answers), finds the engine (desktop app or one-time link), attaches it, and guards unsaved work on close.
import '@xyflow/react/dist/style.css';
import './styles/studio.css';
import { createRoot } from 'react-dom/client';
import { catalogue } from '../../app/nodes/catalogue.ts';
import { builtInRegistry } from '../../nodes/specs.ts';
import { createEngineClient } from './api/engine-client.ts';
import { resolveEngineConnection, TOKEN_STORAGE_KEY } from './api/session.ts';
import { answerOtherTabs, SESSION_CHANNEL_NAME } from './api/session-tabs.ts';
import { App, THEME_STORAGE_KEY } from './App.tsx';
import { getDesktopApi } from './desktop/desktop-api.ts';
import { connectDesktopEngine } from './desktop/desktop-engine.ts';
import { syncDocumentState } from './desktop/document-state.ts';
import { browserDraftStore, desktopDraftStore, flushDraftOnUnload, keepDraft, restoreKeptDraft } from './store/draft-storage.ts';
import { selectDirty } from './store/selectors.ts';
import { StudioStoreProvider } from './store/store-context.tsx';
import { createStudioStore } from './store/studio-store.ts';

function initialTheme(): 'light' | 'dark' {
  const saved = localStorage.getItem(THEME_STORAGE_KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

const registry = builtInRegistry();
const store = createStudioStore({ registry, catalogue: catalogue(registry), theme: initialTheme() });

const desktop = getDesktopApi();
if (desktop) {
  // The desktop window asks before closing with unsaved changes; it learns of them from the document state.
  syncDocumentState(store, desktop);
  // The draft lives in the app's data folder; the engine attaches after it is back, so the shown run re-attaches.
  // Closing the window writes the edits still waiting for the quiet moment.
  const drafts = desktopDraftStore(desktop);
  void restoreKeptDraft(store, drafts).then(() => {
    flushDraftOnUnload(window, keepDraft(store, drafts));
    connectDesktopEngine(store, desktop);
  });
} else {
  // The draft (browser storage) keeps unsaved work across reloads; the close prompt remains for when it cannot.
  const drafts = browserDraftStore(window.sessionStorage, window.localStorage);
  const restored = restoreKeptDraft(store, drafts);
  const keeper = keepDraft(store, drafts);
  // Listeners run in the order added: the prompt below asks isKept() after the flush has written what was pending.
  flushDraftOnUnload(window, keeper);
  window.addEventListener('beforeunload', (event) => {
    if (selectDirty(store.getState()) && !keeper.isKept()) event.preventDefault();
  });
  // Tabs of this studio hand the token to each other, so a new tab or the link opened again connects.
  const tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel(SESSION_CHANNEL_NAME) : undefined;
  if (tabs) answerOtherTabs(tabs, () => window.sessionStorage.getItem(TOKEN_STORAGE_KEY));
  // Attached after the draft is back, so the engine's first snapshot finds the run the draft showed.
  void restored
    .then(() => resolveEngineConnection({ location: window.location, history: window.history, storage: window.sessionStorage, fetch: (...args) => fetch(...args), tabs }))
    .then((result) => {
      if (result.ok) store.getState().attachEngine(createEngineClient(result.connection));
      else store.getState().notify('error', result.message);
    });
}

createRoot(document.getElementById('root')!).render(
  <StudioStoreProvider store={store}>
    <App />
  </StudioStoreProvider>,
);
