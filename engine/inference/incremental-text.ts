// Turns a stream of token ids into text pieces without splitting a UTF-8 character: a byte-level token may end
// mid-character, so the bytes of an unfinished character are held until the next token completes it. The pieces
// joined are exactly the whole sequence's decode (a streaming UTF-8 decoder: invalid bytes become U+FFFD where a
// one-shot decode puts them), and `flush` gives what is still held when the stream ends.
import type { Tokenizer } from '../tokenize/tokenizer.ts';

export class IncrementalText {
  // ignoreBOM as the tokenizers' own decode: a U+FEFF the model writes first is text, not a byte-order mark.
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(private readonly tokenizer: Tokenizer) {}

  /** The text `tokenId` completes; '' while it waits for the rest of a character. */
  push(tokenId: number): string {
    return this.#decoder.decode(this.tokenizer.bytesOf(tokenId), { stream: true });
  }

  /** What the held bytes decode to once no token will follow (U+FFFD for an unfinished character); '' when none. */
  flush(): string {
    return this.#decoder.decode();
  }
}
