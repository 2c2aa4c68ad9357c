// The dataset's `sources` as a list editor: one row per source, a path (file, folder or glob, completed from the
// engine's listing of its folder, or picked with the desktop app's dialog) or a URL with its sha256, and the format
// the dataset will read it as. Rows map to the config through source-rows.ts.
import { useEffect, useState } from 'react';
import '../styles/previews.css';
import type { ConfiguredFormat } from '../../../app/datasets/file-format.ts';
import type { FolderListing } from '../../../app/protocol/preview-api.ts';
import { getDesktopApi } from '../desktop/desktop-api.ts';
import { useStudio } from '../store/store-context.tsx';
import { completionsFor, folderPart, formatOfRow, rowsOf, sourcesOf, type SourceRow } from './source-rows.ts';

const COMPLETION_DELAY_MS = 150;

interface SourcesEditorProps {
  id: string;
  value: unknown;
  configuredFormat: ConfiguredFormat;
  /** Messages about the sources; those naming one (`sources.2.path`) show in its row. */
  messages: readonly { field: string; message: string; warning?: boolean }[];
  onValue: (value: unknown) => void;
}

export function SourcesEditor({ id, value, configuredFormat, messages, onValue }: SourcesEditorProps) {
  const rows = rowsOf(value);
  const update = (next: SourceRow[]) => onValue(sourcesOf(next));
  const change = (index: number, row: SourceRow) => update(rows.map((existing, at) => (at === index ? row : existing)));
  return (
    <div className="sources-editor" id={id} role="group" aria-label="Sources">
      {rows.length === 0 && <p className="muted">No sources yet: add a file, folder, glob or URL.</p>}
      {rows.map((row, index) => (
        <SourceRowEditor key={index} id={`${id}-${index}`} row={row} configuredFormat={configuredFormat} messages={messages.filter((message) => message.field === `sources.${index}` || message.field.startsWith(`sources.${index}.`))} onRow={(next) => change(index, next)} onRemove={() => update(rows.filter((_, at) => at !== index))} />
      ))}
      <div className="sources-add">
        <button type="button" onClick={() => update([...rows, { kind: 'path', path: '' }])}>
          + Path
        </button>
        <button type="button" onClick={() => update([...rows, { kind: 'url', url: '' }])}>
          + URL
        </button>
      </div>
    </div>
  );
}

function SourceRowEditor({ id, row, configuredFormat, messages, onRow, onRemove }: { id: string; row: SourceRow; configuredFormat: ConfiguredFormat; messages: SourcesEditorProps['messages']; onRow: (row: SourceRow) => void; onRemove: () => void }) {
  const listing = useFolderListing(row.kind === 'path' ? folderPart(row.path) : null);
  const name = row.kind === 'path' ? row.path.slice(folderPart(row.path).length).replace(/\/$/, '') : '';
  const entry = listing?.entries.find((candidate) => candidate.name === name);
  const format = formatOfRow(row, configuredFormat, entry);
  return (
    <div className={`source-row source-${row.kind}`} data-source-row={id}>
      <div className="source-main">
        <select aria-label="Source kind" value={row.kind} onChange={(event) => onRow(event.target.value === 'url' ? { kind: 'url', url: '' } : { kind: 'path', path: '' })}>
          <option value="path">path</option>
          <option value="url">URL</option>
        </select>
        {row.kind === 'path' ? <PathField id={id} row={row} listing={listing} onRow={onRow} /> : <UrlFields id={id} row={row} onRow={onRow} />}
        <button type="button" className="source-remove" onClick={onRemove} aria-label="Remove this source" title="Remove this source">
          ×
        </button>
      </div>
      {format && (
        <p className="source-format" data-source-format={format}>
          format: {format}
        </p>
      )}
      {messages.map((message) => (
        <p key={message.message} className={message.warning ? 'field-warning' : 'field-error'} role={message.warning ? 'status' : 'alert'}>
          {message.message}
        </p>
      ))}
    </div>
  );
}

function PathField({ id, row, listing, onRow }: { id: string; row: Extract<SourceRow, { kind: 'path' }>; listing: FolderListing | null; onRow: (row: SourceRow) => void }) {
  const desktop = getDesktopApi();
  const browse = async (kind: 'file' | 'directory') => {
    const picked = await desktop?.pickPath({ kind, title: kind === 'file' ? 'Choose a data file' : 'Choose a data folder' });
    if (picked) onRow({ ...row, path: picked });
  };
  const options = listing ? completionsFor(row.path, listing.entries) : [];
  return (
    <>
      <input
        type="text"
        aria-label="Path"
        list={`${id}-completions`}
        value={row.path}
        placeholder="file, folder or glob, relative to the pipeline file"
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => onRow({ ...row, path: event.target.value })}
      />
      <datalist id={`${id}-completions`}>
        {options.map((option) => (
          <option key={option} value={option} />
        ))}
      </datalist>
      {desktop && (
        <>
          <button type="button" onClick={() => void browse('file')}>
            File…
          </button>
          <button type="button" onClick={() => void browse('directory')}>
            Folder…
          </button>
        </>
      )}
      <label className="source-option" title="Read this path even outside the pipeline's folder and the data directory">
        <input type="checkbox" checked={row.allowOutside === true} onChange={(event) => onRow({ ...row, allowOutside: event.target.checked })} /> allow outside
      </label>
    </>
  );
}

function UrlFields({ id, row, onRow }: { id: string; row: Extract<SourceRow, { kind: 'url' }>; onRow: (row: SourceRow) => void }) {
  return (
    <>
      <input id={`${id}-url`} type="url" aria-label="URL" value={row.url} placeholder="https://…" spellCheck={false} onChange={(event) => onRow({ ...row, url: event.target.value })} />
      <input type="text" aria-label="sha256" className="source-sha" value={row.sha256 ?? ''} placeholder="sha256 (64 hex)" spellCheck={false} onChange={(event) => onRow({ ...row, sha256: event.target.value.trim().toLowerCase() })} />
    </>
  );
}

/** The engine's listing of `folder` (as typed, relative to the pipeline file), a moment after typing stops; null while unknown or refused. */
function useFolderListing(folder: string | null): FolderListing | null {
  const engine = useStudio((state) => state.engine);
  const pipelinePath = useStudio((state) => state.filePath);
  const [listing, setListing] = useState<{ folder: string; value: FolderListing | null } | null>(null);
  useEffect(() => {
    if (!engine || folder === null) return;
    let current = true;
    const timer = setTimeout(() => {
      engine.previews.listFolder(folder, pipelinePath).then(
        (value) => current && setListing({ folder, value }),
        () => current && setListing({ folder, value: null }),
      );
    }, COMPLETION_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [engine, folder, pipelinePath]);
  return listing !== null && listing.folder === folder ? listing.value : null;
}
