// Splits an upstream's server-sent-event stream into whole records as bytes arrive, so each can be passed on the moment
// it is complete (never waiting for more), and a record cut off by a failing upstream is never half-sent.

export type SseRecord =
  /** `data: [DONE]`. */
  | { kind: 'done' }
  /** A `data:` record whose payload is a JSON object. */
  | { kind: 'json'; value: Record<string, unknown> }
  /** Comments (`: ping`), other fields, or data that is not a JSON object: passed on as they came. */
  | { kind: 'other'; raw: string };

/** A record this long without its blank line is not an OpenAI stream: the upstream is broken. */
const MAX_RECORD_CHARS = 16 * 1024 * 1024;

/** Where a record ends: its blank line. */
const RECORD_END = /\r?\n\r?\n/;
/** A record end is at most 4 characters, so a new chunk is searched together with the 3 characters before it. */
const SEAM_CHARS = 3;

export class SseRecordSplitter {
  readonly #decoder = new TextDecoder();
  /**
   * The text of the record still open, in the chunks it came in: searching only each new chunk (and the seam before
   * it) keeps a long record linear, where searching the whole joined text on every chunk was quadratic.
   */
  #parts: string[] = [];
  #length = 0;

  /** Whole records completed by `bytes`; a record's tail stays pending until its blank line arrives. */
  push(bytes: Uint8Array): SseRecord[] {
    const text = this.#decoder.decode(bytes, { stream: true });
    const seam = this.#lastChars(SEAM_CHARS);
    if (!RECORD_END.test(seam + text)) {
      this.#parts.push(text);
      this.#length += text.length;
      if (this.#length > MAX_RECORD_CHARS) throw recordTooLong();
      return [];
    }
    let pending = this.#parts.join('') + text;
    const records: SseRecord[] = [];
    for (let end = RECORD_END.exec(pending); end !== null; end = RECORD_END.exec(pending)) {
      const raw = pending.slice(0, end.index);
      pending = pending.slice(end.index + end[0].length);
      if (raw.length > 0) records.push(parseRecord(raw));
    }
    this.#parts = pending.length > 0 ? [pending] : [];
    this.#length = pending.length;
    if (this.#length > MAX_RECORD_CHARS) throw recordTooLong();
    return records;
  }

  /** Bytes of a record that never ended. */
  get incomplete(): boolean {
    return this.#parts.some((part) => part.trim().length > 0);
  }

  /** The last `count` characters of the open record. */
  #lastChars(count: number): string {
    let tail = '';
    for (let index = this.#parts.length - 1; index >= 0 && tail.length < count; index--) tail = this.#parts[index]! + tail;
    return tail.slice(-count);
  }
}

function recordTooLong(): Error {
  return new Error(`a stream record grew past ${MAX_RECORD_CHARS / 1024 / 1024} MiB without ending`);
}

function parseRecord(raw: string): SseRecord {
  const lines = raw.split(/\r?\n/);
  const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
  if (data.length === 0 || data.length !== lines.length) return { kind: 'other', raw };
  const payload = data.join('\n');
  if (payload.trim() === '[DONE]') return { kind: 'done' };
  try {
    const value: unknown = JSON.parse(payload);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { kind: 'json', value: value as Record<string, unknown> };
  } catch {
    // Not JSON: pass it on untouched.
  }
  return { kind: 'other', raw };
}
