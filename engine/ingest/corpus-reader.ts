// Reads a Corpus artifact (app/artifacts/corpus-layout.ts) back: its stats, and each split's documents, either whole
// or as bounded pieces so that a document larger than memory can still be streamed.
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CORPUS_STATS_FILE, corpusIndexFile, corpusTextFile, decodeDocumentBoundaries, type CorpusSplit, type CorpusStats } from '../../app/artifacts/corpus-layout.ts';

const DEFAULT_PIECE_BYTES = 1024 * 1024;
const MAX_WHOLE_DOCUMENT_CHARS = 256 * 1024 * 1024;

export interface DocumentPiece {
  text: string;
  /** True on the last piece of a document. */
  endsDocument: boolean;
}

export async function readCorpusStats(corpusDir: string): Promise<CorpusStats> {
  return JSON.parse(await readFile(path.join(corpusDir, CORPUS_STATS_FILE), 'utf8')) as CorpusStats;
}

/** Byte offsets 0, end of document 1, …, end of the last document (documents + 1 values). */
export async function readDocumentBoundaries(corpusDir: string, split: CorpusSplit): Promise<number[]> {
  const indexPath = path.join(corpusDir, corpusIndexFile(split));
  return decodeDocumentBoundaries(await readFile(indexPath), indexPath);
}

/** Every document of a split in pieces of at most about `pieceBytes` bytes, cut between characters. */
export async function* corpusDocumentPieces(corpusDir: string, split: CorpusSplit, pieceBytes = DEFAULT_PIECE_BYTES): AsyncGenerator<DocumentPiece> {
  const boundaries = await readDocumentBoundaries(corpusDir, split);
  const textPath = path.join(corpusDir, corpusTextFile(split));
  const handle = await open(textPath, 'r');
  const buffer = Buffer.allocUnsafe(pieceBytes);
  try {
    for (let document = 0; document + 1 < boundaries.length; document++) {
      const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
      const end = boundaries[document + 1]!;
      for (let position = boundaries[document]!; position < end; ) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(pieceBytes, end - position), position);
        if (bytesRead === 0) throw new Error(`"${textPath}" is shorter than its index says (${end} bytes); the corpus is damaged, re-run the dataset node`);
        position += bytesRead;
        const last = position >= end;
        const text = decoder.decode(buffer.subarray(0, bytesRead), { stream: !last });
        if (text.length > 0 || last) yield { text, endsDocument: last };
      }
    }
  } finally {
    await handle.close();
  }
}

/** Every document of a split as one string; fails for a document over 256 M characters (use corpusDocumentPieces). */
export async function* corpusDocuments(corpusDir: string, split: CorpusSplit): AsyncGenerator<string> {
  let pieces: string[] = [];
  let characters = 0;
  for await (const piece of corpusDocumentPieces(corpusDir, split)) {
    pieces.push(piece.text);
    characters += piece.text.length;
    if (characters > MAX_WHOLE_DOCUMENT_CHARS) throw new Error(`a document of the ${split} split is longer than ${MAX_WHOLE_DOCUMENT_CHARS} characters; read it with corpusDocumentPieces`);
    if (!piece.endsDocument) continue;
    yield pieces.join('');
    pieces = [];
    characters = 0;
  }
}
