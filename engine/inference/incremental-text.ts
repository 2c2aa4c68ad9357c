// Turns a stream of token ids into text pieces without splitting a UTF-8 character: a byte-level token may end
// mid-character, so ids are held until their bytes decode cleanly (or enough pile up that they never will).
import type { Tokenizer } from '../tokenize/tokenizer.ts';

/** A UTF-8 character is at most 4 bytes, so 4 held tokens that still end badly are invalid, not incomplete. */
const MOST_HELD_TOKENS = 4;

export class IncrementalText {
  readonly #held: number[] = [];

  constructor(private readonly tokenizer: Tokenizer) {}

  /** The text `tokenId` completes; '' while it waits for the rest of a character. */
  push(tokenId: number): string {
    if (this.tokenizer.kind !== 'byte-level-bpe') return this.tokenizer.decode([tokenId]);
    this.#held.push(tokenId);
    const text = this.tokenizer.decode(this.#held);
    if (text.endsWith('\uFFFD') && this.#held.length < MOST_HELD_TOKENS) return '';
    this.#held.length = 0;
    return text;
  }
}
