import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanDocumentText, StreamingTextCleaner } from './text-cleaning.ts';

// Pieces that exercise the seams: CR/LF halves, combining marks that compose with the character before them,
// Hangul jamo, kana voicing marks, astral characters.
const pieces = fc.constantFrom('a', 'e', '\u0301', '\u0323', '\r', '\n', '\r\n', ' ', 'é', '\u1100', '\u1161', '\u11a8', 'か', '\u3099', '中', '😀', 'Å', '\u030a');

function cleanInPieces(parts: string[], normalization: 'nfc' | 'none'): string {
  const cleaner = new StreamingTextCleaner(normalization);
  return parts.map((part) => cleaner.push(part)).join('') + cleaner.flush();
}

describe('text cleaning', () => {
  it('cleaning in chunks equals cleaning the whole text, for both normalizations', () => {
    fc.assert(
      fc.property(fc.array(fc.array(pieces, { maxLength: 6 }).map((group) => group.join('')), { maxLength: 12 }), (parts) => {
        const whole = parts.join('');
        expect(cleanInPieces(parts, 'nfc')).toBe(cleanDocumentText(whole, 'nfc'));
        expect(cleanInPieces(parts, 'none')).toBe(cleanDocumentText(whole, 'none'));
      }),
      { numRuns: 500 },
    );
  });

  it('turns CRLF and CR into LF and composes to NFC', () => {
    expect(cleanDocumentText('a\r\nb\rc\n\r\n', 'none')).toBe('a\nb\nc\n\n');
    expect(cleanDocumentText('e\u0301', 'nfc')).toBe('é');
    expect(cleanDocumentText('e\u0301', 'none')).toBe('e\u0301');
  });

  it('drops a record’s leading BOM and replaces lone surrogates', () => {
    expect(cleanDocumentText('\uFEFFtext\uFEFF', 'nfc')).toBe('text\uFEFF');
    expect(cleanDocumentText('a\uD800b', 'none')).toBe('a\uFFFDb');
  });
});
