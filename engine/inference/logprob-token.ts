// A token as logprobs show it, on its own: its text when its bytes are whole UTF-8, else its bytes written out
// ("bytes:\xe2\x80", as OpenAI's API writes a token that ends inside a character), and the bytes themselves.
import type { Tokenizer } from '../tokenize/tokenizer.ts';

export interface LogprobToken {
  token: string;
  bytes: number[];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function logprobToken(tokenizer: Tokenizer, tokenId: number): LogprobToken {
  const raw = tokenizer.bytesOf(tokenId);
  const bytes = [...raw];
  try {
    return { token: strictUtf8.decode(raw), bytes };
  } catch {
    return { token: `bytes:${bytes.map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('')}`, bytes };
  }
}
