// Decodes a byte stream as strict UTF-8, chunk by chunk, and names the byte offset of the first invalid byte, which
// TextDecoder alone cannot tell. The BOM at the start of the stream is dropped (TextDecoder's default).

/** Thrown for bytes that are not UTF-8; `byteOffset` counts from the start of the (decompressed) stream. */
export class InvalidUtf8Error extends Error {
  override name = 'InvalidUtf8Error';
  constructor(
    readonly fileName: string,
    readonly byteOffset: number,
    detail: string,
  ) {
    super(`"${fileName}" is not valid UTF-8: ${detail} at byte offset ${byteOffset}; re-save the file as UTF-8 (or convert it with iconv)`);
  }
}

export async function* decodeUtf8Chunks(bytes: AsyncIterable<Uint8Array>, fileName: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let consumed = 0;
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of bytes) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      const window = concatBytes(carry, chunk);
      const at = Math.max(0, firstInvalidUtf8Offset(window));
      throw new InvalidUtf8Error(fileName, consumed - carry.length + at, `byte 0x${(window[at] ?? 0).toString(16).padStart(2, '0')}`);
    }
    carry = incompleteTail(chunk.length >= 3 ? chunk.subarray(chunk.length - 3) : concatBytes(carry, chunk).slice(-3));
    consumed += chunk.length;
    if (text.length > 0) yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest.length > 0) yield rest;
  } catch {
    throw new InvalidUtf8Error(fileName, consumed - carry.length, 'the data ends inside a multi-byte character');
  }
}

/** Length of the UTF-8 sequence a lead byte starts, or 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The bytes at the end that start a character not yet complete (what a streaming decoder holds back). */
export function incompleteTail(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    return sequenceLength(byte) > back ? bytes.slice(bytes.length - back) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

/** Index of the first byte that starts an invalid or truncated sequence, or -1 when every byte is valid UTF-8. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    const length = sequenceLength(lead);
    if (length === 0 || index + length > bytes.length) return index;
    // The second byte's range rules out overlong forms, surrogates and code points above U+10FFFF.
    const second = bytes[index + 1] ?? 0;
    if (length >= 2) {
      const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
      const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
      if (second < low || second > high) return index;
      for (let next = 2; next < length; next++) if (((bytes[index + next] ?? 0) & 0xc0) !== 0x80) return index;
    }
    index += length;
  }
  return -1;
}

function concatBytes(first: Uint8Array, second: Uint8Array): Uint8Array {
  if (first.length === 0) return second;
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return joined;
}
