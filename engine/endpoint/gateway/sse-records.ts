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

export class SseRecordSplitter {
  readonly #decoder = new TextDecoder();
  #pending = '';

  /** Whole records completed by `bytes`; a record's tail stays pending until its blank line arrives. */
  push(bytes: Uint8Array): SseRecord[] {
    this.#pending += this.#decoder.decode(bytes, { stream: true });
    const records: SseRecord[] = [];
    for (;;) {
      const end = /\r?\n\r?\n/.exec(this.#pending);
      if (!end) {
        if (this.#pending.length > MAX_RECORD_CHARS) throw new Error(`a stream record grew past ${MAX_RECORD_CHARS / 1024 / 1024} MiB without ending`);
        return records;
      }
      const raw = this.#pending.slice(0, end.index);
      this.#pending = this.#pending.slice(end.index + end[0].length);
      if (raw.length > 0) records.push(parseRecord(raw));
    }
  }

  /** Bytes of a record that never ended. */
  get incomplete(): boolean {
    return this.#pending.trim().length > 0;
  }
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
