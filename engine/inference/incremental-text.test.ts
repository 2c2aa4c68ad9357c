// Streamed token text: the pieces join to exactly the whole sequence's decode, whatever the tokens split (characters
// over several byte tokens, a literal U+FFFD before a split character, invalid bytes), and a stream that stops in the
// middle of a character gives the rest on flush.
import { describe, expect, it } from 'vitest';
import { bytesToByteLevel, trainBpe, trainChar, type Tokenizer } from '../tokenize/index.ts';
import { IncrementalText } from './incremental-text.ts';

const CORPUS = 'First Citizen: Before we proceed any further, hear me speak. All: Speak, speak.\n'.repeat(20);
// A small English vocabulary: every non-ASCII character is several one-byte tokens.
const bpe = trainBpe(CORPUS, { vocabSize: 300, minFrequency: 2 });

function streamed(ids: readonly number[], tokenizer: Tokenizer = bpe): { pieces: string[]; tail: string } {
  const text = new IncrementalText(tokenizer);
  return { pieces: ids.map((id) => text.push(id)), tail: text.flush() };
}

describe('IncrementalText', () => {
  it('joins to the whole decode for split characters, a literal U+FFFD before one, and a leading U+FEFF', () => {
    for (const sample of ['ok \uFFFD中文 end', 'x\uFFFD😀y', 'Café naïve 😀😀 über', '\uFEFFFirst', '中\uFFFD\uFFFD\uFFFD文']) {
      const ids = bpe.encode(sample);
      const { pieces, tail } = streamed(ids);
      expect([sample, pieces.join('') + tail]).toEqual([sample, bpe.decode(ids)]);
      expect(tail).toBe('');
    }
  });

  it('holds the bytes of an unfinished character back, and gives them on flush when the stream stops there', () => {
    const emoji = bpe.encode('😀'); // four one-byte tokens
    expect(emoji).toHaveLength(4);
    const { pieces, tail } = streamed([...bpe.encode('ok '), ...emoji.slice(0, 3)]);
    expect(pieces.join('')).toBe('ok ');
    expect(tail).toBe(bpe.decode(emoji.slice(0, 3)));
    expect(tail).toBe('\uFFFD');
  });

  it('writes invalid bytes as the whole decode does, one U+FFFD where it puts one', () => {
    const bytes = [0xff, 0x41, 0xe4, 0xb8, 0x41, 0x80].map((byte) => bpe.idOf(bytesToByteLevel(Uint8Array.of(byte)))!);
    const { pieces, tail } = streamed(bytes);
    expect(pieces.join('') + tail).toBe(bpe.decode(bytes));
  });

  it('passes a char vocabulary through token by token', () => {
    const chars = trainChar('héllo wörld');
    const ids = chars.encode('wörld héllo');
    expect(streamed(ids, chars).pieces).toEqual([...'wörld héllo']);
  });
});

