// Checks GPT-2's byte-to-unicode map: a bijection, printable bytes kept, the rest shifted past U+00FF in order.
import { describe, expect, it } from 'vitest';
import { BYTE_ALPHABET_BY_CODE_POINT, BYTE_TO_CHAR, byteLevelToBytes, bytesToByteLevel } from './byte-level-alphabet.ts';

describe('byte-level alphabet', () => {
  it('gives 256 distinct single characters', () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect(BYTE_TO_CHAR.every((char) => char.length === 1)).toBe(true);
  });

  it('keeps printable bytes and shifts space, newline and controls the way GPT-2 does', () => {
    expect(BYTE_TO_CHAR[0x41]).toBe('A');
    expect(BYTE_TO_CHAR[0xe9]).toBe('é');
    expect(BYTE_TO_CHAR[0x20]).toBe('Ġ');
    expect(BYTE_TO_CHAR[0x0a]).toBe('Ċ');
    expect(BYTE_TO_CHAR[0x00]).toBe('Ā');
    expect(BYTE_TO_CHAR[0xad]).toBe('\u0143');
  });

  it('orders the alphabet by code point, starting with "!" as GPT-2 id 0 does', () => {
    expect(BYTE_ALPHABET_BY_CODE_POINT[0]).toBe('!');
    expect(BYTE_ALPHABET_BY_CODE_POINT[255]).toBe('\u0143');
  });

  it('round-trips every byte and rejects characters outside the map', () => {
    const allBytes = Uint8Array.from({ length: 256 }, (_, byte) => byte);
    expect(byteLevelToBytes(bytesToByteLevel(allBytes))).toEqual(allBytes);
    expect(byteLevelToBytes('a b')).toBeUndefined();
  });
});
