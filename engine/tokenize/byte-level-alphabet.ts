// GPT-2's byte-to-unicode map: every byte 0..255 gets a printable character so that byte-level tokens are strings.
// Printable Latin-1 bytes map to themselves; the rest (controls, space, soft hyphen) map to U+0100 upwards, in byte order.

function buildByteToChar(): string[] {
  const keepsItself = (byte: number): boolean =>
    (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
  const chars: string[] = [];
  let nextShifted = 0x100;
  for (let byte = 0; byte < 256; byte++) {
    chars.push(String.fromCharCode(keepsItself(byte) ? byte : nextShifted++));
  }
  return chars;
}

/** `BYTE_TO_CHAR[b]` is the one-character string that stands for byte `b` (space is "Ġ", newline "Ċ"). */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Indexed by char code; -1 for characters outside the map. The largest mapped code is U+0143. */
const CHAR_CODE_TO_BYTE = new Int16Array(0x144).fill(-1);
BYTE_TO_CHAR.forEach((char, byte) => (CHAR_CODE_TO_BYTE[char.charCodeAt(0)] = byte));

/** The 256 byte characters sorted by code point: GPT-2's order for ids 0..255, and ours for the base alphabet. */
export const BYTE_ALPHABET_BY_CODE_POINT: readonly string[] = [...BYTE_TO_CHAR].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));

export function bytesToByteLevel(bytes: ArrayLike<number>): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += BYTE_TO_CHAR[bytes[i] as number];
  return text;
}

/** The bytes a byte-level token stands for, or undefined when it holds a character outside the map. */
export function byteLevelToBytes(token: string): Uint8Array | undefined {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const byte = CHAR_CODE_TO_BYTE[token.charCodeAt(i)] ?? -1;
    if (byte < 0) return undefined;
    bytes[i] = byte;
  }
  return bytes;
}
