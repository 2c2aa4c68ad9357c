// The dataset node's Corpus as the studio previews it: its stats.json (documents, characters, what cleaning and
// dedup removed), the first train documents, and a histogram of train document lengths read from the index. Reads
// are bounded: a few sample documents and the index, never the whole text.
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CORPUS_STATS_FILE, corpusIndexFile, corpusTextFile, decodeDocumentBoundaries, type CorpusStats } from '../../app/artifacts/corpus-layout.ts';
import type { CorpusPreview, LengthHistogram } from '../../app/protocol/preview-api.ts';

export const SAMPLE_DOCUMENTS = 5;
export const SAMPLE_CHARACTERS = 400;
/** Index files past this (about 8M documents) are summarised from their first part only. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;

export async function corpusPreview(folder: string): Promise<CorpusPreview> {
  const stats = JSON.parse(await readFile(path.join(folder, CORPUS_STATS_FILE), 'utf8')) as CorpusStats;
  const indexPath = path.join(folder, corpusIndexFile('train'));
  const boundaries = decodeDocumentBoundaries(await readHead(indexPath, MAX_INDEX_BYTES, 8), indexPath);
  const samples = await sampleDocuments(path.join(folder, corpusTextFile('train')), boundaries);
  const lengths: number[] = [];
  for (let index = 1; index < boundaries.length; index++) lengths.push(boundaries[index]! - boundaries[index - 1]!);
  return { kind: 'corpus', stats, samples, histogram: lengthHistogram(lengths) };
}

async function sampleDocuments(textPath: string, boundaries: readonly number[]): Promise<CorpusPreview['samples']> {
  const handle = await open(textPath, 'r');
  try {
    const samples: CorpusPreview['samples'] = [];
    for (let index = 1; index < boundaries.length && samples.length < SAMPLE_DOCUMENTS; index++) {
      const [start, end] = [boundaries[index - 1]!, boundaries[index]!];
      // Four bytes per character at most: enough bytes for SAMPLE_CHARACTERS characters.
      const length = Math.min(end - start, SAMPLE_CHARACTERS * 4);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, start);
      const text = [...buffer.toString('utf8')];
      const whole = length === end - start;
      const cut = !whole || text.length > SAMPLE_CHARACTERS;
      samples.push({ text: text.slice(0, SAMPLE_CHARACTERS).join('').replace(/\uFFFD+$/, ''), characters: whole ? text.length : Math.round((end - start) / (length / text.length)), cut });
    }
    return samples;
  } finally {
    await handle.close();
  }
}

/**
 * Document lengths in bytes (the index's unit; a character is one byte for ASCII) into up to 12 bins whose edges are
 * round numbers on a log scale (1, 2, 5, 10, 20, 50…) from the shortest document to the longest, so both show.
 */
export function lengthHistogram(lengths: readonly number[]): LengthHistogram {
  if (lengths.length === 0) return { edges: [], counts: [] };
  // A loop, not Math.min(...lengths): spreading an index's millions of lengths overflows the call stack.
  let [min, max] = [Infinity, -Infinity];
  for (const length of lengths) [min, max] = [Math.min(min, length), Math.max(max, length)];
  const round: number[] = [0];
  for (let magnitude = 1; round[round.length - 1]! <= max; magnitude *= 10) round.push(magnitude, 2 * magnitude, 5 * magnitude);
  // From the largest round edge at or below the shortest document to the last one at or below the longest.
  const first = round.findLastIndex((edge) => edge <= min);
  const edges = round.slice(first, round.findLastIndex((edge) => edge <= max) + 1);
  while (edges.length > 12) edges.splice(0, 2, edges[0]!); // merge the two shortest bins
  const counts = edges.map(() => 0);
  for (const length of lengths) {
    let bin = edges.length - 1;
    while (bin > 0 && length < edges[bin]!) bin -= 1;
    counts[bin]! += 1;
  }
  return { edges, counts };
}

/** The first `maxBytes` of a file, rounded down to a multiple of `unit`. */
async function readHead(file: string, maxBytes: number, unit: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes - (maxBytes % unit));
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, 0);
    return buffer;
  } finally {
    await handle.close();
  }
}
