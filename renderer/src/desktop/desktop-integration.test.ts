// The desktop app seen from the renderer, with a fake preload API: the engine is attached when ready and again
// after a restart, the window learns the document's title and dirty state, and files open and save by path.
import { describe, expect, it, vi } from 'vitest';
import type { EngineConnection, EngineStatus } from '../../../app/protocol/desktop-ipc.ts';
import { createTestStore } from '../store/testing/test-store.ts';
import { createDesktopFileCommands } from './desktop-file-commands.ts';
import { connectDesktopEngine } from './desktop-engine.ts';
import { syncDocumentState } from './document-state.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const neverEndingStream = () => new Response(new ReadableStream(), { status: 200 });

describe('connectDesktopEngine', () => {
  it('attaches once ready, re-attaches to a restarted engine, and says when it is down', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => neverEndingStream());
    try {
      const store = createTestStore();
      let connection: EngineConnection | null = null;
      let pushStatus: (status: EngineStatus) => void = () => undefined;
      const stop = connectDesktopEngine(store, {
        getEngineConnection: async () => connection,
        onEngineStatus: (listener) => {
          pushStatus = listener;
          return () => undefined;
        },
      });
      await settle();
      expect(store.getState().engine).toBeNull();

      connection = { url: 'http://127.0.0.1:1111', token: 'a' };
      pushStatus({ state: 'ready', url: connection.url, restarts: 0 });
      await settle();
      const first = store.getState().engine;
      expect(first).not.toBeNull();

      pushStatus({ state: 'restarting', reason: 'exit code 1', restarts: 1, retryInMs: 2000 });
      expect(store.getState().notice?.message).toBe('The engine stopped (exit code 1); restarting it in 2 s');
      connection = { url: 'http://127.0.0.1:2222', token: 'b' };
      pushStatus({ state: 'ready', url: connection.url, restarts: 1 });
      await settle();
      expect(store.getState().engine).not.toBe(first);
      const streamed = fetchSpy.mock.calls.map(([url]) => String(url)).filter((url) => url.endsWith('/api/events'));
      expect(streamed).toEqual(['http://127.0.0.1:1111/api/events', 'http://127.0.0.1:2222/api/events']);
      stop();
    } finally {
      fetchSpy.mockRestore();
    }
  });
});

describe('syncDocumentState', () => {
  it('sends the title, path and dirty flag when they change, and only then', () => {
    const store = createTestStore();
    const sent: unknown[] = [];
    syncDocumentState(store, { setDocumentState: async (state) => void sent.push(state) });
    store.getState().addNode('dataset');
    store.getState().select({ nodes: [] });
    expect(sent).toEqual([
      { title: 'Untitled pipeline', path: null, dirty: false },
      { title: 'Untitled pipeline', path: null, dirty: true },
    ]);
  });
});

describe('createDesktopFileCommands', () => {
  const text = JSON.stringify({ format: 'crucible.pipeline', version: 1, name: 'mine', nodes: [], edges: [] });

  it('opens through the native dialog, keeps the path, and saves back to it', async () => {
    const store = createTestStore();
    const savePipeline = vi.fn(async (request: { path: string | null }) => ({ path: request.path ?? '/picked/new.crucible.json' }));
    const files = createDesktopFileCommands(store, {
      openPipelineDialog: async () => ({ path: '/home/me/mine.crucible.json', text }),
      openRecentPipeline: async () => ({ path: '/x', text }),
      savePipeline,
    });
    await files.open();
    expect(store.getState()).toMatchObject({ fileName: 'mine.crucible.json', filePath: '/home/me/mine.crucible.json' });
    store.getState().addNode('dataset');
    await files.save();
    expect(savePipeline).toHaveBeenCalledWith(expect.objectContaining({ path: '/home/me/mine.crucible.json', saveAs: false }));
    await files.saveAs();
    expect(savePipeline).toHaveBeenLastCalledWith(expect.objectContaining({ saveAs: true }));
    expect(store.getState().doc).toBe(store.getState().savedDoc);
  });

  it('asks before discarding unsaved changes', async () => {
    const store = createTestStore();
    store.getState().addNode('dataset');
    const openPipelineDialog = vi.fn(async () => null);
    const files = createDesktopFileCommands(store, { openPipelineDialog, openRecentPipeline: vi.fn(), savePipeline: vi.fn() }, () => false);
    await files.open();
    expect(openPipelineDialog).not.toHaveBeenCalled();
  });
});
