// Cuts a large text into chunks that encode to exactly the ids of the whole: a cut goes between a non-whitespace
// character and whitespace (no GPT-2 piece spans that point), never inside a special token nor right after one. A
// tokenizer that adds a prefix space to each text it encodes (add_prefix_space) is cut only before a space (U+0020),
// as a chunk starting with any other whitespace would gain one.
import { createReadStream } from 'node:fs';
import { isWhitespace } from './unicode-classes.ts';


/** Where chunks may start: before any whitespace, or only before a space (U+0020). */
export type CutBefore = 'whitespace' | 'space';

/** The largest safe cut index in (after, before], or -1 when there is none. */
export function lastSafeCut(text: string, specialTokens: readonly string[], before = text.length - 1, after = 0, cutBefore: CutBefore = 'whitespace'): number {
  for (let cut = Math.min(before, text.length - 1); cut > after; cut--) {
    const char = text[cut] as string;
    if (cutBefore === 'space' ? char !== ' ' : !isWhitespace(char)) continue;
    if (isWhitespace(text[cut - 1] as string)) continue;
    if (!endsInSpecialToken(text, cut, specialTokens)) return cut;
  }
  return -1;
}

/**
 * Whether a cut at `cut` falls inside a special token or right after one: an added token with `rstrip` takes the
 * whitespace after it, which a cut there would hand to the next chunk instead.
 */
function endsInSpecialToken(text: string, cut: number, specialTokens: readonly string[]): boolean {
  return specialTokens.some((token) => {
    for (let start = Math.max(0, cut - token.length); start < cut; start++) if (text.startsWith(token, start)) return true;
    return false;
  });
}

/**
 * The ends of chunks of about `chunkChars` in a buffer that grows at its end: the last safe cut within `chunkChars`,
 * else the last in the buffer. Cuts stay a special token's length from the buffer's end, so a token still arriving
 * cannot straddle one. A buffer with no cut yet is never searched twice: a 32 MB line without whitespace used to be
 * searched again whole at every read (20 s), now once.
 */
export class ChunkCutter {
  readonly #longestToken: number;
  /** Positions (0, this] of the current buffer hold no safe cut. */
  #searchedThrough = 0;

  constructor(
    private readonly chunkChars: number,
    private readonly specialTokens: readonly string[],
    private readonly cutBefore: CutBefore = 'whitespace',
  ) {
    this.#longestToken = Math.max(0, ...specialTokens.map((token) => token.length));
  }

  /** The buffer was replaced rather than grown (a document boundary ended the chunk). */
  startOver(): void {
    this.#searchedThrough = 0;
  }

  /** End of the next chunk of `pending`, or -1 to wait for more text. After a cut, pass the rest as the new buffer. */
  next(pending: string): number {
    if (pending.length <= this.chunkChars) return -1;
    const latest = pending.length - 1 - this.#longestToken;
    const inChunk = Math.min(this.chunkChars, latest);
    let cut = lastSafeCut(pending, this.specialTokens, inChunk, this.#searchedThrough, this.cutBefore);
    if (cut <= 0) cut = lastSafeCut(pending, this.specialTokens, latest, Math.max(this.#searchedThrough, inChunk), this.cutBefore);
    this.#searchedThrough = cut > 0 ? 0 : Math.max(this.#searchedThrough, latest);
    return cut;
  }
}

export interface TextChunk {
  text: string;
  /** Bytes of the file read so far, for progress and ETA. */
  bytesRead: number;
}

/** Streams `path` as UTF-8 chunks of about `chunkChars`; a run with no safe cut grows the chunk until one appears. */
export async function* readTextChunks(path: string, chunkChars: number, specialTokens: readonly string[], cutBefore: CutBefore = 'whitespace'): AsyncGenerator<TextChunk> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const cutter = new ChunkCutter(chunkChars, specialTokens, cutBefore);
  let pending = '';
  for await (const piece of stream) {
    pending += piece as string;
    for (let cut = cutter.next(pending); cut > 0; cut = cutter.next(pending)) {
      yield { text: pending.slice(0, cut), bytesRead: stream.bytesRead };
      pending = pending.slice(cut);
    }
  }
  if (pending.length > 0) yield { text: pending, bytesRead: stream.bytesRead };
}
