// @vitest-environment jsdom
// The artifacts tab in a DOM: in the desktop app each folder (and an export's copy in its outDir) gets "Show in
// folder", which asks main through the preload API, and a refusal becomes a notice; in a browser the path keeps its
// copy button and the page says the folder opens from the desktop app.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ArtifactSummary } from '../../../app/protocol/run-events.ts';
import { StudioStoreProvider } from '../store/store-context.tsx';
import { createTestStore } from '../store/testing/test-store.ts';
import { ArtifactsView } from './ArtifactsView.tsx';

afterEach(() => {
  cleanup();
  delete (globalThis as Record<string, unknown>).crucibleDesktop;
});

const artifact = (key: string, extra: Partial<ArtifactSummary> = {}): ArtifactSummary => ({
  key,
  port: 'export',
  type: 'Export',
  path: `/data/artifacts/${key}`,
  bytes: 2048,
  createdAt: '2026-03-01T00:00:00Z',
  ...extra,
});

const nodes = { 'export-1': { artifacts: { export: artifact('k-export', { copiedTo: '/home/me/models/tiny' }) } } };

function renderArtifacts() {
  const store = createTestStore();
  const view = render(
    <StudioStoreProvider store={store}>
      <ArtifactsView nodes={nodes} />
    </StudioStoreProvider>,
  );
  return { store, view };
}

describe('ArtifactsView', () => {
  it('in the desktop app, shows the export folder and its outDir copy in the file manager through the preload API', async () => {
    const revealFolder = vi.fn(async () => undefined);
    (globalThis as Record<string, unknown>).crucibleDesktop = { revealFolder };
    const { view } = renderArtifacts();
    const buttons = screen.getAllByRole('button', { name: 'Show in folder' });
    expect(buttons).toHaveLength(2);
    expect(view.container.textContent).toContain('copied to /home/me/models/tiny');
    fireEvent.click(buttons[0]!);
    fireEvent.click(buttons[1]!);
    expect(revealFolder.mock.calls).toEqual([[{ path: '/data/artifacts/k-export' }], [{ path: '/home/me/models/tiny', copyOf: '/data/artifacts/k-export' }]]);
    expect(screen.getAllByRole('button', { name: 'copy path' })).toHaveLength(2);
  });

  it('turns main’s refusal into a notice without Electron’s wrapper', async () => {
    const refusal = "Error invoking remote method 'crucible:folder-reveal': Error: Cannot show the folder: \"/data/artifacts/k-export\" does not exist";
    (globalThis as Record<string, unknown>).crucibleDesktop = { revealFolder: vi.fn(async () => Promise.reject(new Error(refusal))) };
    const { store } = renderArtifacts();
    fireEvent.click(screen.getAllByRole('button', { name: 'Show in folder' })[0]!);
    await waitFor(() => expect(store.getState().notice?.message).toBe('Cannot show the folder: "/data/artifacts/k-export" does not exist'));
    expect(store.getState().notice?.kind).toBe('error');
  });

  it('in a browser, keeps the copy button and says the folder opens from the desktop app', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { view } = renderArtifacts();
    expect(screen.queryByRole('button', { name: 'Show in folder' })).toBeNull();
    expect(view.container.textContent).toContain('from the desktop app');
    fireEvent.click(screen.getAllByRole('button', { name: 'copy path' })[0]!);
    expect(writeText).toHaveBeenCalledWith('/data/artifacts/k-export');
    await screen.findByRole('button', { name: 'copied' });
  });

  it('says when no node has finished yet', () => {
    const store = createTestStore();
    const view = render(
      <StudioStoreProvider store={store}>
        <ArtifactsView nodes={{}} />
      </StudioStoreProvider>,
    );
    expect(view.container.textContent).toContain('No artifacts yet');
  });
});
