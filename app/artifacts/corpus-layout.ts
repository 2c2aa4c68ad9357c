// The Corpus artifact's layout: the contract between the dataset node that writes it and the nodes that read it
// (the tokenizer). File names, the document index's byte format, stats.json and the artifact's meta; pure, no I/O.
//
// <split>.txt holds the split's documents back to back with nothing between them; <split>.idx their boundaries as
// little-endian uint64 byte offsets 0, end₁, …, endₙ (documents + 1 values). Names are relative to the artifact's
// folder; callers join them with the platform's path module.

/** Recorded in the artifact's meta as `format`; bumped if the layout ever changes. */
export const CORPUS_FORMAT = 'crucible.corpus.v1';

export const CORPUS_SPLITS = ['train', 'val'] as const;
export type CorpusSplit = (typeof CORPUS_SPLITS)[number];

/** Holds the CorpusStats as JSON. */
export const CORPUS_STATS_FILE = 'stats.json';

/** UTF-8 without a BOM, LF newlines, the split's documents back to back. */
export function corpusTextFile(split: CorpusSplit): string {
  return `${split}.txt`;
}

/** The split's document boundaries (see encodeDocumentBoundaries). */
export function corpusIndexFile(split: CorpusSplit): string {
  return `${split}.idx`;
}

export type SplitStats = {
  documents: number;
  /** Unicode code points. */
  characters: number;
  bytes: number;
};

export type CorpusStats = {
  version: 1;
  train: SplitStats;
  val: SplitStats;
  /** "documents": whole documents went to val; "characters": a single document was cut (the last share is val). */
  splitBy: 'documents' | 'characters';
  files: number;
  bytesRead: number;
  documentsRead: number;
  duplicatesRemoved: number;
  duplicates: { exact: number; near: number };
  documentsFiltered: number;
  filtered: { empty: number; tooShort: number; tooLong: number };
  /** Every file read, in reading order, so a model card can say what the model was trained on. */
  sources: CorpusSource[];
  /**
   * "chat": each document is one conversation, the JSON {"messages":[{"role","content"},...]}, which the tokenizer
   * renders with a chat template and masks. Absent for plain text (and in corpora written before chat existed).
   */
  content?: 'chat';
};

/**
 * One file the dataset read and the sha256 of its bytes as stored (before a `.gz` is inflated). `path` is relative to
 * the pipeline file's folder (with `/`) when the file lies inside it, else only the file's name: no absolute path,
 * and so no home folder, goes into a card meant to be shared. A download keeps its URL as the pipeline wrote it.
 */
export type CorpusSource = { path: string; sha256: string } | { url: string; sha256: string };

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The sources an artifact's meta carries (a Corpus's, or a Tokens artifact's copy of them); entries of another shape
 * are left out, and a corpus written before sources were recorded has none.
 */
export function corpusSourcesOf(meta: Record<string, unknown>): CorpusSource[] {
  const sources = Array.isArray(meta.sources) ? (meta.sources as unknown[]) : [];
  const recorded: CorpusSource[] = [];
  for (const source of sources) {
    if (typeof source !== 'object' || source === null) continue;
    const { path, url, sha256 } = source as Record<string, unknown>;
    if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) continue;
    if (typeof url === 'string') recorded.push({ url, sha256 });
    else if (typeof path === 'string') recorded.push({ path, sha256 });
  }
  return recorded;
}

/** What a Corpus artifact's meta says its documents are: conversations ("chat") or plain "text". */
export function corpusContentOf(meta: Record<string, unknown>): 'text' | 'chat' {
  return meta.content === 'chat' ? 'chat' : 'text';
}

/** The artifact's meta, as downstream nodes receive it. Object types, not interfaces, so it is a plain record. */
export type CorpusMeta = { format: typeof CORPUS_FORMAT } & CorpusStats;

export function corpusMeta(stats: CorpusStats): CorpusMeta {
  return { format: CORPUS_FORMAT, ...stats };
}

const BOUNDARY_BYTES = 8;

/** Byte offsets (exact up to 2^53) as the index file holds them: little-endian uint64s. */
export function encodeDocumentBoundaries(boundaries: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(boundaries.length * BOUNDARY_BYTES);
  const words = new DataView(bytes.buffer);
  for (let index = 0; index < boundaries.length; index++) {
    const offset = boundaries[index]!;
    words.setUint32(index * BOUNDARY_BYTES, offset % 2 ** 32, true);
    words.setUint32(index * BOUNDARY_BYTES + 4, Math.floor(offset / 2 ** 32), true);
  }
  return bytes;
}

/** The offsets an index file holds; `indexPath` names it in the error when its size cannot be an index. */
export function decodeDocumentBoundaries(bytes: Uint8Array, indexPath: string): number[] {
  if (bytes.length % BOUNDARY_BYTES !== 0 || bytes.length === 0) {
    throw new Error(`"${indexPath}" is not a document index (its size must be a positive multiple of ${BOUNDARY_BYTES} bytes)`);
  }
  const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const boundaries: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += BOUNDARY_BYTES) boundaries.push(Number(words.getBigUint64(offset, true)));
  return boundaries;
}
