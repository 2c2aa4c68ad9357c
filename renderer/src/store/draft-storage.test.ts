// The draft survives a reload: written after edits (once per quiet moment, and at once as the page goes away), read
// back into a fresh store with its file, unsaved state and shown run; a broken or newer draft is refused with a
// notice; a full storage is reported.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { selectDirty } from './selectors.ts';
import { browserDraftStore, desktopDraftStore, DRAFT_STORAGE_KEY, flushDraftOnUnload, keepDraft, restoreKeptDraft, type DraftStore } from './draft-storage.ts';
import { createTestStore } from './testing/test-store.ts';

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

/** The desktop API's draft calls: main's file as one string, and each write in order, sent async or sync. */
function fakeDesktopShell({ answerAsyncWrites = true } = {}) {
  const shell = {
    kept: null as string | null,
    writes: [] as { how: 'async' | 'sync'; path: string | null }[],
    api: {
      readDraft: async () => shell.kept,
      writeDraft: ({ text, path }: { text: string; path: string | null }) => {
        shell.writes.push({ how: 'async', path });
        if (!answerAsyncWrites) return new Promise<void>(() => undefined);
        shell.kept = text;
        return Promise.resolve();
      },
      writeDraftNow: ({ text, path }: { text: string; path: string | null }) => {
        shell.writes.push({ how: 'sync', path });
        shell.kept = text;
      },
    },
  };
  return shell;
}

afterEach(() => vi.useRealTimers());

describe('the draft', () => {
  it('is written once edits pause, and a reload restores the document, its file, unsaved state and shown run', async () => {
    vi.useFakeTimers();
    const session = memoryStorage();
    const local = memoryStorage();
    const drafts = browserDraftStore(session, local);
    const before = createTestStore();
    const keeper = keepDraft(before, drafts, 400);
    before.getState().addNode('dataset');
    before.getState().setNodeTitle('dataset', 'Books');
    before.setState({ fileName: 'books.crucible.json', shownRunId: 'r9' });
    expect(session.items.size).toBe(0);
    expect(keeper.isKept()).toBe(false);
    await vi.advanceTimersByTimeAsync(400);
    expect(keeper.isKept()).toBe(true);
    expect(JSON.parse(local.items.get(DRAFT_STORAGE_KEY)!)).toMatchObject({ fileName: 'books.crucible.json', unsaved: true, shownRunId: 'r9' });

    const after = createTestStore();
    expect(await restoreKeptDraft(after, drafts)).not.toBeNull();
    const state = after.getState();
    expect(state.doc.nodes.map((node) => [node.id, node.title])).toEqual([['dataset', 'Books']]);
    expect(state).toMatchObject({ fileName: 'books.crucible.json', shownRunId: 'r9' });
    expect(selectDirty(state)).toBe(true);
    keeper.stop();
  });

  it('restores a saved document as saved, and prefers this tab’s draft to another tab’s', async () => {
    const session = memoryStorage();
    const local = memoryStorage();
    const other = createTestStore();
    other.getState().addNode('tokenizer');
    const otherKeeper = keepDraft(other, browserDraftStore(memoryStorage(), local), 0);
    other.getState().setPipelineName('other tab');
    otherKeeper.flush();
    const mine = createTestStore();
    const keeper = keepDraft(mine, browserDraftStore(session, local), 0);
    mine.getState().openJson({ ...mine.getState().doc, name: 'mine' }, 'mine.crucible.json');
    keeper.flush();
    other.getState().setPipelineName('other tab, later');
    otherKeeper.flush();

    const reloaded = createTestStore();
    await restoreKeptDraft(reloaded, browserDraftStore(session, local));
    expect(reloaded.getState().doc.name).toBe('mine');
    expect(selectDirty(reloaded.getState())).toBe(false);
    const newTab = createTestStore();
    await restoreKeptDraft(newTab, browserDraftStore(memoryStorage(), local));
    expect(newTab.getState().doc.name).toBe('other tab, later');
  });

  it('refuses a broken or newer draft with a notice and starts empty', async () => {
    for (const [text, reason] of [
      ['{"version":1', /not JSON/],
      ['{"version":7,"savedAt":"x"}', /not a draft this studio writes/],
      [JSON.stringify({ version: 1, savedAt: 'x', pipeline: { format: 'crucible.pipeline', version: 99, name: 'n', nodes: [], edges: [] }, fileName: null, filePath: null, unsaved: true, shownRunId: null }), /newer Crucible/],
    ] as const) {
      const store = createTestStore();
      const drafts: DraftStore = { read: async () => text, write: async () => undefined, writeNow: () => undefined };
      expect(await restoreKeptDraft(store, drafts)).toBeNull();
      expect(store.getState().doc.nodes).toEqual([]);
      expect(store.getState().notice?.message).toMatch(reason);
      expect(store.getState().notice?.message).toMatch(/was not restored/);
    }
  });

  it('says once that the draft cannot be kept when storage is full', async () => {
    const store = createTestStore();
    const quotaExceeded = () => {
      throw new Error('QuotaExceededError');
    };
    const full: DraftStore = { read: async () => null, write: async () => quotaExceeded(), writeNow: quotaExceeded };
    const keeper = keepDraft(store, full, 0);
    store.getState().addNode('dataset');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(keeper.isKept()).toBe(false);
    expect(store.getState().notice?.message).toMatch(/cannot be kept \(QuotaExceededError\); save it to a file/);
    store.setState({ notice: null });
    keeper.flush();
    expect(keeper.isKept()).toBe(false);
    expect(store.getState().notice).toBeNull();
  });

  it('goes through the desktop shell in the desktop app, naming the draft’s file so main may let it be saved again', async () => {
    const shell = fakeDesktopShell();
    const before = createTestStore();
    keepDraft(before, desktopDraftStore(shell.api), 0);
    before.getState().addNode('pretrain');
    before.setState({ fileName: 'p.crucible.json', filePath: '/pipelines/p.crucible.json' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(shell.writes).toEqual([{ how: 'async', path: '/pipelines/p.crucible.json' }]);
    const after = createTestStore();
    await restoreKeptDraft(after, desktopDraftStore(shell.api));
    expect(after.getState().doc.nodes.map((node) => node.type)).toEqual(['pretrain']);
    expect(after.getState().filePath).toBe('/pipelines/p.crucible.json');
  });

  it('writes the edits still waiting for the quiet moment as the page goes away, before the unload handler returns', async () => {
    vi.useFakeTimers();
    const shell = fakeDesktopShell();
    const page = new EventTarget();
    const store = createTestStore();
    const keeper = keepDraft(store, desktopDraftStore(shell.api), 400);
    flushDraftOnUnload(page, keeper);
    store.getState().addNode('dataset');
    await vi.advanceTimersByTimeAsync(400);
    store.getState().setNodeTitle('dataset', 'Books');
    await vi.advanceTimersByTimeAsync(100);
    page.dispatchEvent(new Event('beforeunload'));
    expect(shell.writes.map((write) => write.how)).toEqual(['async', 'sync']);
    expect(JSON.parse(shell.kept!).pipeline.nodes[0].title).toBe('Books');
    expect(keeper.isKept()).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(shell.writes).toHaveLength(2);
    page.dispatchEvent(new Event('beforeunload'));
    expect(shell.writes).toHaveLength(2);
  });

  it('writes again as the page goes away a draft whose write was sent but not answered (it may never land)', async () => {
    vi.useFakeTimers();
    const shell = fakeDesktopShell({ answerAsyncWrites: false });
    const page = new EventTarget();
    const store = createTestStore();
    flushDraftOnUnload(page, keepDraft(store, desktopDraftStore(shell.api), 400));
    store.getState().addNode('dataset');
    await vi.advanceTimersByTimeAsync(400);
    expect(shell.writes.map((write) => write.how)).toEqual(['async']);
    page.dispatchEvent(new Event('beforeunload'));
    expect(shell.writes.map((write) => write.how)).toEqual(['async', 'sync']);
    expect(JSON.parse(shell.kept!).pipeline.nodes.map((node: { id: string }) => node.id)).toEqual(['dataset']);
  });

  it('leaves a document opened while the draft was read (a file the desktop app was asked to open)', async () => {
    const kept = createTestStore();
    kept.getState().addNode('dataset');
    const keptText = JSON.stringify({ version: 1, savedAt: 'x', pipeline: kept.getState().doc, fileName: null, filePath: null, unsaved: true, shownRunId: null });
    const store = createTestStore();
    let answer: (text: string) => void = () => undefined;
    const restoring = restoreKeptDraft(store, { read: () => new Promise((resolve) => (answer = resolve)), write: async () => undefined, writeNow: () => undefined });
    store.getState().openJson({ ...store.getState().doc, name: 'from the OS' }, 'os.crucible.json');
    answer(keptText);
    expect(await restoring).toBeNull();
    expect(store.getState().doc.name).toBe('from the OS');
  });
});
