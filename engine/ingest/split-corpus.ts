// Second pass: copies the kept documents into train.txt and val.txt. Several documents are split by document (a
// seeded choice); a single document is cut by characters, the last valFraction going to val, as nanoGPT does.
import { open } from 'node:fs/promises';
import type { SplitStats } from '../../app/artifacts/corpus-layout.ts';
import type { GrowableNumbers } from './growable-numbers.ts';
import { SplitWriter } from './split-writer.ts';
import { chooseValidationDocuments } from './validation-choice.ts';

export interface SplitOptions {
  keptPath: string;
  documentEnds: GrowableNumbers;
  /** Each kept document's length in code points. */
  documentCharacters: GrowableNumbers;
  valFraction: number;
  seed: number;
  corpusDir: string;
  /** Never cut a document (chat conversations): a single one then goes to train whole, val stays empty. */
  wholeDocuments?: boolean;
  signal: AbortSignal;
  /** Hears the bytes copied so far, for progress. */
  onBytes(count: number): void;
}

export interface SplitResult {
  train: SplitStats;
  val: SplitStats;
  splitBy: 'documents' | 'characters';
}

const READ_BYTES = 4 * 1024 * 1024;

export async function writeSplits(options: SplitOptions): Promise<SplitResult> {
  const train = await SplitWriter.create(options.corpusDir, 'train');
  const val = await SplitWriter.create(options.corpusDir, 'val');
  try {
    const splitBy = options.documentEnds.length === 1 && !options.wholeDocuments ? 'characters' : 'documents';
    if (splitBy === 'characters') await copyByCharacters(options, train, val);
    else await copyByDocuments(options, train, val);
    return { train: await train.close(), val: await val.close(), splitBy };
  } catch (error) {
    await Promise.all([train.abandon(), val.abandon()]);
    throw error;
  }
}

/** Reads the kept file start to end in large chunks, handing each chunk and its offset to `use`. */
async function forEachChunk(options: SplitOptions, use: (chunk: Uint8Array, offset: number) => Promise<void>): Promise<void> {
  const handle = await open(options.keptPath, 'r');
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  try {
    for (let offset = 0; ; ) {
      options.signal.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, offset);
      if (bytesRead === 0) return;
      await use(buffer.subarray(0, bytesRead), offset);
      options.onBytes(bytesRead);
      offset += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

async function copyByDocuments(options: SplitOptions, train: SplitWriter, val: SplitWriter): Promise<void> {
  const ends = options.documentEnds;
  const isVal = chooseValidationDocuments(ends.length, options.valFraction, options.seed);
  let document = 0;
  await forEachChunk(options, async (chunk, offset) => {
    let position = offset;
    const chunkEnd = offset + chunk.length;
    while (position < chunkEnd && document < ends.length) {
      const target = isVal[document] === 1 ? val : train;
      const end = Math.min(ends.at(document), chunkEnd);
      await target.write(chunk.subarray(position - offset, end - offset));
      position = end;
      if (end === ends.at(document)) {
        target.endDocument(options.documentCharacters.at(document));
        document++;
      }
    }
  });
}

async function copyByCharacters(options: SplitOptions, train: SplitWriter, val: SplitWriter): Promise<void> {
  const totalCharacters = options.documentCharacters.at(0);
  const trainCharacters = Math.floor(totalCharacters * (1 - options.valFraction));
  let charactersSeen = 0;
  let inTrain = true;
  await forEachChunk(options, async (chunk) => {
    if (!inTrain) return val.write(chunk);
    const { cut, codePoints } = findCodePoint(chunk, trainCharacters - charactersSeen);
    if (cut === -1) {
      charactersSeen += codePoints;
      return train.write(chunk);
    }
    await train.write(chunk.subarray(0, cut));
    await val.write(chunk.subarray(cut));
    inTrain = false;
  });
  train.endDocument(trainCharacters);
  val.endDocument(totalCharacters - trainCharacters);
}

/** Byte index at which code point number `wanted` (0-based) starts, or -1 and the chunk's count of code points. */
function findCodePoint(chunk: Uint8Array, wanted: number): { cut: number; codePoints: number } {
  let seen = 0;
  for (let index = 0; index < chunk.length; index++) {
    if ((chunk[index]! & 0xc0) === 0x80) continue;
    if (seen === wanted) return { cut: index, codePoints: seen };
    seen++;
  }
  return { cut: -1, codePoints: seen };
}
