// Shared UTF-8 coders and a readable way to quote tokens in error messages (control characters made visible).
// The decoder keeps a leading BOM (the default strips it) and turns invalid UTF-8 into U+FFFD, as Hugging Face does.

export const utf8Encoder = new TextEncoder();
export const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export function describeAsTokens(tokens: readonly string[]): string {
  return tokens.map((token) => JSON.stringify(token)).join(', ');
}
