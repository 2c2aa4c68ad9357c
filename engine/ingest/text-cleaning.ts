// Cleans text the same way whether it arrives whole (a record's field) or in chunks (a large text file): CRLF and
// CR become LF, and NFC normalization is optional. The streaming form holds back only what the next chunk may change.
export type UnicodeNormalization = 'nfc' | 'none';

const BYTE_ORDER_MARK = '\uFEFF';
/** Held-back text is emitted anyway past this size, so a file without any safe cut point cannot grow memory. */
const MAX_HELD_CHARS = 16 * 1024 * 1024;

/** For a whole document from a record: also drops a leading BOM and replaces lone surrogates (JSON can hold them). */
export function cleanDocumentText(text: string, normalization: UnicodeNormalization): string {
  const wellFormed = (text as string & { toWellFormed(): string }).toWellFormed();
  const withoutBom = wellFormed.startsWith(BYTE_ORDER_MARK) ? wellFormed.slice(1) : wellFormed;
  const newlines = normalizeNewlines(withoutBom);
  return normalization === 'nfc' ? newlines.normalize('NFC') : newlines;
}

export function normalizeNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** Streaming cleaner: push chunks, then flush once at the end. Output concatenated equals cleanDocumentText(all). */
export class StreamingTextCleaner {
  private held = '';

  constructor(private readonly normalization: UnicodeNormalization) {}

  push(chunk: string): string {
    const text = this.held + chunk;
    const cut = this.safeCut(text);
    this.held = text.slice(cut);
    return this.clean(text.slice(0, cut));
  }

  flush(): string {
    const rest = this.clean(this.held);
    this.held = '';
    return rest;
  }

  private clean(text: string): string {
    const newlines = normalizeNewlines(text);
    return this.normalization === 'nfc' ? newlines.normalize('NFC') : newlines;
  }

  /** Where the text can be cut so that cleaning each side alone equals cleaning the whole. */
  private safeCut(text: string): number {
    // A trailing CR may be the first half of a CRLF.
    const end = text.endsWith('\r') ? text.length - 1 : text.length;
    if (this.normalization === 'none' || text.length > MAX_HELD_CHARS) return end;
    for (let index = end - 1; index >= 0; index--) {
      const splitsCrlf = text.charCodeAt(index) === 0x0a && text.charCodeAt(index - 1) === 0x0d;
      if (startsNormalizationSegment(text.charCodeAt(index)) && !splitsCrlf) return index;
    }
    return 0;
  }
}

/**
 * True for characters that NFC never combines with what precedes them or reorders around: ASCII, kana (except
 * the voicing marks), CJK ideographs and precomposed Hangul syllables. Cutting just before one is safe.
 */
function startsNormalizationSegment(code: number): boolean {
  if (code < 0x80) return true;
  if (code >= 0x3040 && code <= 0x30ff) return code !== 0x3099 && code !== 0x309a;
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0xac00 && code <= 0xd7a3);
}
