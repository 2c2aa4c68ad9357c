// Reads a text split (documents back to back plus their byte boundaries) synchronously in bounded pieces, so BPE
// training on a worker can consume it as an ordinary iterable and no document has to fit in one string.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { TextSplit } from '../../../nodes/capabilities/tokenizer.ts';

export interface SplitPiece {
  text: string;
  /** True on the first piece of each document (an empty document is one piece with empty text). */
  startsDocument: boolean;
  /** Bytes of the file consumed so far. */
  bytesRead: number;
}

const DEFAULT_BLOCK_BYTES = 1 << 20;

/** The boundaries, checked against the file: 0 first, ascending, the file's size last. */
function checkedBoundaries(split: TextSplit, fileBytes: number): Float64Array {
  const boundaries = split.documentBoundaries ?? Float64Array.of(0, fileBytes);
  const problem =
    boundaries.length === 0 || boundaries[0] !== 0
      ? 'does not start at byte 0'
      : boundaries[boundaries.length - 1] !== fileBytes
        ? `ends at byte ${boundaries[boundaries.length - 1]} but the file has ${fileBytes} bytes`
        : boundaries.some((offset, index) => index > 0 && offset < (boundaries[index - 1] as number))
          ? 'is not in ascending order'
          : null;
  if (problem) throw new Error(`${split.textPath}: the document index ${problem}; the corpus is damaged, re-run the dataset node`);
  return boundaries;
}

export function* readSplitPieces(split: TextSplit, blockBytes = DEFAULT_BLOCK_BYTES): Generator<SplitPiece> {
  const fd = openSync(split.textPath, 'r');
  try {
    const fileBytes = fstatSync(fd).size;
    const boundaries = checkedBoundaries(split, fileBytes);
    const buffer = Buffer.allocUnsafe(blockBytes);
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    for (let document = 0; document + 1 < boundaries.length; document++) {
      const end = boundaries[document + 1] as number;
      let position = boundaries[document] as number;
      let startsDocument = true;
      do {
        const bytesRead = position < end ? readSync(fd, buffer, 0, Math.min(blockBytes, end - position), position) : 0;
        if (position < end && bytesRead === 0) throw new Error(`${split.textPath}: shorter than its document index says (${end} bytes); re-run the dataset node`);
        position += bytesRead;
        const text = decodeUtf8(decoder, buffer.subarray(0, bytesRead), position >= end, split.textPath, position);
        if (text.length > 0 || startsDocument) yield { text, startsDocument, bytesRead: position };
        startsDocument = false;
      } while (position < end);
    }
  } finally {
    closeSync(fd);
  }
}

function decodeUtf8(decoder: TextDecoder, bytes: Uint8Array, endsDocument: boolean, filePath: string, endOffset: number): string {
  try {
    return decoder.decode(bytes, { stream: !endsDocument });
  } catch {
    throw new Error(`${filePath}: not valid UTF-8 in the ${bytes.length} bytes before byte ${endOffset} (or a document boundary cuts a character); re-run the dataset node`);
  }
}
