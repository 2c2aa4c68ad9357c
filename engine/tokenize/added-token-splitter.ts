// Finds added tokens (e.g. `<|endoftext|>`) in raw text before pre-tokenization, longest match first, so they are
// never split into pieces; honours the Hugging Face lstrip / rstrip / single_word flags.
import type { AddedToken } from './tokenizer.ts';
import { isWhitespace, WHITESPACE_CLASS } from './unicode-classes.ts';

export interface TextSegment {
  start: number;
  end: number;
  /** Set when the segment is an added token; undefined for ordinary text. */
  addedTokenId: number | undefined;
}

const escapeRegex = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
const WORD_CHAR = '[\\p{L}\\p{N}_]';

/**
 * A token's pattern, its right strip included. Its left strip is not in the pattern: whitespace before the token
 * made the regex retry at every position of a long whitespace run, quadratic in its length (80,000 spaces took
 * 11 s), so `forEachSegment` extends a match left over whitespace instead, as Hugging Face's tokenizers do.
 */
function patternFor(token: AddedToken): string {
  let pattern = `(?:${escapeRegex(token.content)})`;
  if (token.singleWord) pattern = `(?<!${WORD_CHAR})${pattern}(?!${WORD_CHAR})`;
  if (token.rstrip) pattern = `${pattern}${WHITESPACE_CLASS}*`;
  return pattern;
}

export class AddedTokenSplitter {
  private readonly pattern: RegExp | undefined;
  private readonly tokenByGroup: AddedToken[];

  constructor(tokens: readonly AddedToken[]) {
    const longestFirst = tokens.filter((token) => token.content.length > 0).sort((a, b) => b.content.length - a.content.length);
    this.tokenByGroup = longestFirst;
    this.pattern = longestFirst.length === 0 ? undefined : new RegExp(longestFirst.map((token) => `(${patternFor(token)})`).join('|'), 'gu');
  }

  /** Calls `visit` for each ordinary-text run and each added token, in order; empty text runs are skipped. */
  forEachSegment(text: string, visit: (segment: TextSegment) => void): void {
    let position = 0;
    if (this.pattern !== undefined) {
      this.pattern.lastIndex = 0;
      for (let match = this.pattern.exec(text); match !== null; match = this.pattern.exec(text)) {
        if (match[0].length === 0) {
          this.pattern.lastIndex++;
          continue;
        }
        const token = this.tokenByGroup[match.slice(1).findIndex((group) => group !== undefined)]!;
        let start = match.index;
        if (token.lstrip) while (start > position && isWhitespace(text[start - 1]!)) start--;
        if (start > position) visit({ start: position, end: start, addedTokenId: undefined });
        visit({ start, end: match.index + match[0].length, addedTokenId: token.id });
        position = match.index + match[0].length;
      }
    }
    if (position < text.length) visit({ start: position, end: text.length, addedTokenId: undefined });
  }
}
