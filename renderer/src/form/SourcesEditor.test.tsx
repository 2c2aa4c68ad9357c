// @vitest-environment jsdom
// The dataset's sources in the inspector: rows instead of a JSON textarea, a path completed from the engine's listing
// of its folder, the detected format per row, URL rows with their sha256, removal, and a source's problem in its row.
import { act, cleanup, fireEvent, render, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogue } from '../../../app/nodes/catalogue.ts';
import type { FolderListing } from '../../../app/protocol/preview-api.ts';
import { builtInRegistry } from '../../../nodes/specs.ts';
import { StudioStoreProvider } from '../store/store-context.tsx';
import { fakeEngineApi } from '../store/testing/fake-engine.ts';
import { createTestStore } from '../store/testing/test-store.ts';
import { Inspector } from './Inspector.tsx';

afterEach(cleanup);

function inspectDataset() {
  const store = createTestStore();
  const asked: string[] = [];
  const listings: Record<string, FolderListing> = {
    '': { folder: '/p', entries: [{ name: 'data', kind: 'folder' }, { name: 'notes.txt', kind: 'file', bytes: 5, format: 'text' }], truncated: false, hidden: 0 },
    'data/': { folder: '/p/data', entries: [{ name: 'chat.jsonl', kind: 'file', bytes: 9, format: 'jsonl' }, { name: 'more', kind: 'folder' }], truncated: false, hidden: 0 },
  };
  const engine = fakeEngineApi({ nodeTypes: async () => catalogue(builtInRegistry()) });
  engine.previews.listFolder = async (folder) => {
    asked.push(folder);
    const listing = listings[folder];
    if (!listing) throw new Error(`"${folder}" does not exist`);
    return listing;
  };
  act(() => store.getState().attachEngine(engine));
  const id = store.getState().addNode('dataset')!;
  const view = render(
    <StudioStoreProvider store={store}>
      <Inspector />
    </StudioStoreProvider>,
  );
  const sources = () => view.container.querySelector<HTMLElement>('[data-field="sources"]')!;
  const stored = () => store.getState().doc.nodes.find((node) => node.id === id)!.config.sources;
  return { store, view, sources, stored, asked };
}

describe('the sources editor', () => {
  it('adds a path row, completes it from the folder the engine lists and shows the format it will be read as', async () => {
    const { sources, stored, asked } = inspectDataset();
    expect(within(sources()).queryByRole('textbox')).toBeNull();
    fireEvent.click(within(sources()).getByText('+ Path'));
    expect(stored()).toEqual([{ path: '' }]);
    const path = within(sources()).getByLabelText('Path') as HTMLInputElement;
    await waitFor(() => expect(sources().querySelectorAll('datalist option').length).toBe(2));
    expect(Array.from(sources().querySelectorAll('datalist option')).map((option) => option.getAttribute('value'))).toEqual(['data/', 'notes.txt']);
    fireEvent.change(path, { target: { value: 'data/c' } });
    await waitFor(() => expect(asked).toContain('data/'));
    await waitFor(() => expect(Array.from(sources().querySelectorAll('datalist option')).map((option) => option.getAttribute('value'))).toEqual(['data/chat.jsonl']));
    fireEvent.change(path, { target: { value: 'data/chat.jsonl' } });
    expect(stored()).toEqual([{ path: 'data/chat.jsonl' }]);
    expect(sources().querySelector('[data-source-format]')?.textContent).toBe('format: jsonl');
    fireEvent.change(path, { target: { value: 'data/more' } });
    await waitFor(() => expect(sources().querySelector('[data-source-format]')?.textContent).toBe('format: each file by its extension'));
  });

  it('keeps a URL with its sha256, allows a path outside on purpose, and removes rows', () => {
    const { sources, stored } = inspectDataset();
    fireEvent.click(within(sources()).getByText('+ URL'));
    fireEvent.change(within(sources()).getByLabelText('URL'), { target: { value: 'https://example.com/t.parquet' } });
    fireEvent.change(within(sources()).getByLabelText('sha256'), { target: { value: ` ${'AB'.repeat(32)} ` } });
    expect(stored()).toEqual([{ url: 'https://example.com/t.parquet', sha256: 'ab'.repeat(32) }]);
    expect(sources().querySelector('[data-source-format]')?.textContent).toBe('format: parquet');
    fireEvent.click(within(sources()).getByText('+ Path'));
    fireEvent.change(within(sources()).getByLabelText('Path'), { target: { value: '/srv/corpus.txt' } });
    fireEvent.click(within(sources()).getByLabelText('allow outside'));
    expect(stored()).toEqual([{ url: 'https://example.com/t.parquet', sha256: 'ab'.repeat(32) }, { path: '/srv/corpus.txt', allowOutside: true }]);
    fireEvent.click(within(sources()).getAllByLabelText('Remove this source')[0]!);
    expect(stored()).toEqual([{ path: '/srv/corpus.txt', allowOutside: true }]);
  });

  it("shows a source's own problem in its row and marks the field invalid", () => {
    const { sources, stored } = inspectDataset();
    fireEvent.click(within(sources()).getByText('+ Path'));
    fireEvent.change(within(sources()).getByLabelText('Path'), { target: { value: '~/.ssh/id_rsa' } });
    expect(stored()).toEqual([{ path: '~/.ssh/id_rsa' }]);
    const row = sources().querySelector('[data-source-row]')!;
    expect(within(row as HTMLElement).getByRole('alert').textContent).toContain('~/.ssh/id_rsa');
    expect(sources().classList.contains('invalid')).toBe(true);
    expect(Array.from(sources().querySelectorAll('.field-error')).length).toBe(1);
  });
});
