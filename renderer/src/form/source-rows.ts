// The dataset's `sources` as rows of the sources editor: one row per source, a path (file, folder or glob) or a URL
// pinned by sha256, with the format the dataset will read it as. Pure: the editor (SourcesEditor.tsx) draws it.
import { detectFormat, KNOWN_EXTENSIONS, type ConfiguredFormat } from '../../../app/datasets/file-format.ts';
import type { FolderEntry } from '../../../app/protocol/preview-api.ts';

export type SourceRow = { kind: 'path'; path: string; include?: string[]; exclude?: string[]; allowOutside?: boolean } | { kind: 'url'; url: string; sha256?: string };

/** The stored value as rows; an entry of neither shape (a hand-edited file) becomes an empty path row to fix. */
export function rowsOf(value: unknown): SourceRow[] {
  if (!Array.isArray(value)) return [];
  return value.map((source): SourceRow => {
    const record = source !== null && typeof source === 'object' ? (source as Record<string, unknown>) : {};
    if (typeof record.url === 'string') return { kind: 'url', url: record.url, ...(typeof record.sha256 === 'string' ? { sha256: record.sha256 } : {}) };
    const row: SourceRow = { kind: 'path', path: typeof record.path === 'string' ? record.path : typeof source === 'string' ? source : '' };
    if (Array.isArray(record.include)) row.include = record.include.map(String);
    if (Array.isArray(record.exclude)) row.exclude = record.exclude.map(String);
    if (record.allowOutside === true) row.allowOutside = true;
    return row;
  });
}

/** Rows back to the config's shape; empty optional parts are left out so the file stays as a person would write it. */
export function sourcesOf(rows: readonly SourceRow[]): Record<string, unknown>[] {
  return rows.map((row) => {
    if (row.kind === 'url') return { url: row.url, ...(row.sha256 ? { sha256: row.sha256 } : {}) };
    return {
      path: row.path,
      ...(row.include?.length ? { include: row.include } : {}),
      ...(row.exclude?.length ? { exclude: row.exclude } : {}),
      ...(row.allowOutside ? { allowOutside: true } : {}),
    };
  });
}

const GLOB_CHARS = /[*?[\]{}]/;

/**
 * What the row will be read as, in words: "jsonl" for a file or URL, "each file by its extension" for a folder or
 * glob, or why the format cannot be told. `entry` is the path's own entry in its folder's listing, when known.
 */
export function formatOfRow(row: SourceRow, configured: ConfiguredFormat, entry?: FolderEntry): string {
  const name = row.kind === 'url' ? row.url : row.path;
  if (name.trim() === '') return '';
  if (row.kind === 'path' && (GLOB_CHARS.test(row.path) || entry?.kind === 'folder' || row.path.endsWith('/'))) {
    return configured === 'auto' ? 'each file by its extension' : `each file as ${configured}`;
  }
  const format = detectFormat(name, configured);
  if (format) return format;
  return `unknown: the extension is not one of ${KNOWN_EXTENSIONS.join(' ')}; set format`;
}

/** The folder part of a typed path (up to its last `/`), which the completion lists; '' for the pipeline's folder. */
export function folderPart(typed: string): string {
  const slash = typed.lastIndexOf('/');
  return slash < 0 ? '' : typed.slice(0, slash + 1);
}

/** Completions for a typed path from its folder's entries: folders end with `/`, so picking one lists it next. */
export function completionsFor(typed: string, entries: readonly FolderEntry[]): string[] {
  const folder = folderPart(typed);
  const prefix = typed.slice(folder.length).toLowerCase();
  return entries.filter((entry) => entry.name.toLowerCase().startsWith(prefix)).map((entry) => `${folder}${entry.name}${entry.kind === 'folder' ? '/' : ''}`);
}
