// Turns the configured sources into the list of files to read, each with its format: path sources are listed
// (files, folders, globs), URL sources come from the download cache. Unknown extensions inside a folder or glob are
// skipped with a log line, and so are text and CSV/TSV files in a chat dataset; a file named explicitly must have a
// format we can read (ingest-corpus.ts refuses one that holds no chat records). Each planned file carries what
// the corpus records about it (its name and sha256), for the model cards of what is trained on it.
import { stat } from 'node:fs/promises';
import type { CorpusSource } from '../../app/artifacts/corpus-layout.ts';
import { recordedSourcePath, sourceFileDigest } from '../../nodes/dataset/source-digests.ts';
import { listSourceFiles, type PathSource } from '../../nodes/dataset/sources.ts';
import { cachedUrlContent, type UrlSource } from './download-cache.ts';
import { detectFormat, unknownFormatMessage, type ConfiguredFormat, type FileFormat } from '../../app/datasets/file-format.ts';
import type { DatasetConfig } from '../../nodes/capabilities/ingest.ts';
import type { SourceFile } from './source-file.ts';

export interface PlannedFile extends SourceFile {
  format: FileFormat;
  /** Recorded in the corpus's stats: the URL, or the path relative to the pipeline's folder, with the sha256. */
  recorded: CorpusSource;
}

export interface PlanHooks {
  dataDir: string;
  /** Recorded paths are relative to it (null for an unsaved pipeline). */
  pipelineDir: string | null;
  signal: AbortSignal;
  log(line: string): void;
  onDownloadProgress(url: string, receivedBytes: number, totalBytes: number | null): void;
}

/** The formats whose records can be conversations; a chat dataset reads only these. */
export const CHAT_RECORD_FORMATS: ReadonlySet<FileFormat> = new Set(['jsonl', 'json', 'parquet']);

type Content = DatasetConfig['content'];

export async function planSourceFiles(sources: readonly (PathSource | UrlSource)[], format: ConfiguredFormat, content: Content, hooks: PlanHooks): Promise<PlannedFile[]> {
  const planned: PlannedFile[] = [];
  for (const source of sources) {
    hooks.signal.throwIfAborted();
    if ('url' in source) planned.push(await planUrl(source, format, hooks));
    else planned.push(...(await planPath(source, format, content, hooks)));
  }
  return planned;
}

async function planUrl(source: UrlSource, format: ConfiguredFormat, hooks: PlanHooks): Promise<PlannedFile> {
  const detected = detectFormat(source.url, format);
  if (!detected) throw new Error(unknownFormatMessage(source.url));
  const cached = await cachedUrlContent(hooks.dataDir, source, {
    signal: hooks.signal,
    onProgress: (received, total) => hooks.onDownloadProgress(source.url, received, total),
  });
  hooks.log(cached.downloaded ? `downloaded ${source.url} (${cached.bytes} bytes, sha256 ${cached.sha256})` : `using the cached copy of ${source.url} (sha256 ${cached.sha256})`);
  return { path: cached.path, name: source.url, bytes: cached.bytes, format: detected, recorded: { url: source.url, sha256: cached.sha256 } };
}

async function planPath(source: PathSource, format: ConfiguredFormat, content: Content, hooks: PlanHooks): Promise<PlannedFile[]> {
  // listSourceFiles leaves out secret-looking files; the dataset's check (source-checks.ts) reports them.
  const { files } = await listSourceFiles(source);
  const explicit = files.length === 1 && files[0] === source.path;
  const planned: PlannedFile[] = [];
  const skipped: string[] = [];
  // A chat dataset's folder often holds a README or notes beside the records; a file named directly is refused later.
  const notRecords: string[] = [];
  for (const file of files) {
    const detected = detectFormat(file, format);
    if (!detected) {
      if (explicit) throw new Error(unknownFormatMessage(file));
      skipped.push(file);
      continue;
    }
    if (!explicit && content === 'chat' && !CHAT_RECORD_FORMATS.has(detected)) {
      notRecords.push(file);
      continue;
    }
    hooks.signal.throwIfAborted();
    const recorded = { path: recordedSourcePath(file, hooks.pipelineDir), sha256: await sourceFileDigest(file) };
    planned.push({ path: file, name: file, bytes: (await stat(file)).size, format: detected, recorded });
  }
  if (skipped.length > 0) hooks.log(`skipped ${skipped.length} file(s) of unknown format in "${source.path}", e.g. ${skipped.slice(0, 3).join(', ')}; use include/exclude globs to choose files`);
  if (notRecords.length > 0) {
    hooks.log(`skipped ${notRecords.length} text or CSV/TSV file(s) in "${source.path}", e.g. ${notRecords.slice(0, 3).join(', ')}: a chat dataset reads conversations from JSON Lines, JSON and parquet records only`);
  }
  if (planned.length === 0 && content === 'chat') {
    throw new Error(`"${source.path}" has no JSON Lines, JSON or parquet files to read conversations from (${skipped.length + notRecords.length} skipped); point the source at the chat records, or use include globs such as ["**/*.jsonl"]`);
  }
  if (planned.length === 0) throw new Error(`"${source.path}" has no files of a known format (${skipped.length} skipped); use include globs such as ["**/*.txt"] or set the dataset's format`);
  return planned;
}
