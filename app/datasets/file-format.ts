// Decides how a dataset file is read, by its extension (ignoring a trailing .gz) when the format is "auto", otherwise by
// the configured format, which still tells `.json` arrays from JSON Lines and `.tsv` from `.csv`. The engine's reader
// and the studio's sources editor both decide through it.
export type ConfiguredFormat = 'auto' | 'text' | 'jsonl' | 'csv' | 'parquet';
export type FileFormat = 'text' | 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet';

const BY_EXTENSION: Record<string, FileFormat> = {
  '.txt': 'text',
  '.text': 'text',
  '.md': 'text',
  '.markdown': 'text',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.parquet': 'parquet',
};

export const KNOWN_EXTENSIONS = Object.keys(BY_EXTENSION);

/**
 * The part of a file's name that its extensions are read from: a URL without its query and fragment
 * (`…/train.jsonl.gz?download=true` -> `…/train.jsonl.gz`), a path as it is (`#` and `?` are ordinary in file names).
 */
export function nameWithoutQuery(name: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(name) ? name.replace(/[?#].*$/, '') : name;
}

/** Whether the file's bytes are gzipped, by its name: a trailing `.gz`, before a URL's query. */
export function isGzippedName(name: string): boolean {
  return /\.gz$/i.test(nameWithoutQuery(name));
}

/** The extension that names the format: `data.jsonl.gz` -> `.jsonl`; a URL's query and fragment are ignored. */
export function formatExtension(name: string): string {
  const withoutQuery = nameWithoutQuery(name);
  const base = withoutQuery.slice(withoutQuery.lastIndexOf('/') + 1).replace(/\.gz$/i, '');
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/** The format of a file, or null when "auto" cannot tell it from the extension. */
export function detectFormat(name: string, configured: ConfiguredFormat): FileFormat | null {
  const extension = formatExtension(name);
  switch (configured) {
    case 'auto':
      return BY_EXTENSION[extension] ?? null;
    case 'jsonl':
      return extension === '.json' ? 'json' : 'jsonl';
    case 'csv':
      return extension === '.tsv' ? 'tsv' : 'csv';
    default:
      return configured;
  }
}

export function unknownFormatMessage(name: string): string {
  const extension = formatExtension(name);
  const seen = extension ? `its extension "${extension}"` : 'a name without an extension';
  return `cannot tell the format of "${name}" from ${seen}; known extensions are ${KNOWN_EXTENSIONS.join(', ')} (optionally .gz); set the dataset's format to text, jsonl, csv or parquet`;
}
