// Quoting file content in messages: printable ASCII only, cut to length; binary text is recognised as such.
import { describe, expect, it } from 'vitest';
import { looksBinary, printableAscii } from './printable-ascii.ts';

describe('printableAscii', () => {
  it('replaces everything outside printable ASCII and cuts long text', () => {
    expect(printableAscii('ok \u001b[31mred\u0000 é \ufffd', 80)).toBe('ok ?[31mred? ? ?');
    expect(printableAscii('abcdef', 3)).toBe('abc…');
  });
});

describe('looksBinary', () => {
  it('tells bytes that were not UTF-8 text, and control characters, from text with line breaks and accents', () => {
    expect(looksBinary(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff]).toString('utf8'))).toBe(true);
    expect(looksBinary('a\u0000b')).toBe(true);
    expect(looksBinary('{\r\n\t"naïve": "ok"\n}')).toBe(false);
  });
});
