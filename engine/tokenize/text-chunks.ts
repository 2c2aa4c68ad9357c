// Cuts a large text into chunks that encode to exactly the ids of the whole: a cut goes between a non-whitespace
// character and whitespace (no GPT-2 piece spans that point), never inside a special token nor right after one.
import { createReadStream } from 'node:fs';

const isWhitespace = (char: string): boolean => /\s/u.test(char);

/** The largest safe cut index in (0, before], or -1 when there is none. */
export function lastSafeCut(text: string, specialTokens: readonly string[], before = text.length - 1): number {
  for (let cut = Math.min(before, text.length - 1); cut > 0; cut--) {
    if (!isWhitespace(text[cut] as string) || isWhitespace(text[cut - 1] as string)) continue;
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
 * End of the next chunk: the last safe cut within `chunkChars`, else the last in the buffer; -1 to wait for more text.
 * Cuts stay a special token's length from the buffer's end, so a token still arriving cannot straddle one.
 */
function nextCut(pending: string, chunkChars: number, specialTokens: readonly string[]): number {
  if (pending.length <= chunkChars) return -1;
  const latest = pending.length - 1 - Math.max(0, ...specialTokens.map((token) => token.length));
  const withinChunk = lastSafeCut(pending, specialTokens, Math.min(chunkChars, latest));
  return withinChunk > 0 ? withinChunk : lastSafeCut(pending, specialTokens, latest);
}

export interface TextChunk {
  text: string;
  /** Bytes of the file read so far, for progress and ETA. */
  bytesRead: number;
}

/** Streams `path` as UTF-8 chunks of about `chunkChars`; a run with no safe cut grows the chunk until one appears. */
export async function* readTextChunks(path: string, chunkChars: number, specialTokens: readonly string[]): AsyncGenerator<TextChunk> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let pending = '';
  for await (const piece of stream) {
    pending += piece as string;
    for (let cut = nextCut(pending, chunkChars, specialTokens); cut > 0; cut = nextCut(pending, chunkChars, specialTokens)) {
      yield { text: pending.slice(0, cut), bytesRead: stream.bytesRead };
      pending = pending.slice(cut);
    }
  }
  if (pending.length > 0) yield { text: pending, bytesRead: stream.bytesRead };
}
