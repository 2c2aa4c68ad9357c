// A streaming RFC 4180 parser: comma- or tab-separated fields, double-quoted fields that may hold delimiters,
// newlines and doubled quotes. Input has LF line endings (the reader normalizes CRLF first).
import { MAX_RECORD_CHARS } from './reader-context.ts';

export interface CsvRow {
  fields: string[];
  /** 1-based line the row starts on. */
  line: number;
}

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

export class CsvParser {
  private state: State = 'fieldStart';
  private fields: string[] = [];
  private field: string[] = [];
  private rowChars = 0;
  private line = 1;
  private rowLine = 1;
  private readonly delimiter: number;

  constructor(
    private readonly fileName: string,
    delimiter: ',' | '\t',
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  push(chunk: string): CsvRow[] {
    const rows: CsvRow[] = [];
    let index = 0;
    while (index < chunk.length) {
      index = this.step(chunk, index, rows);
    }
    this.rowChars += chunk.length;
    if (this.rowChars > MAX_RECORD_CHARS) throw new Error(`"${this.fileName}" line ${this.rowLine}: the row is longer than ${MAX_RECORD_CHARS} characters; check for an unclosed quote`);
    return rows;
  }

  /** The last row (a file need not end with a newline). Fails on a quote left open. */
  finish(): CsvRow[] {
    if (this.state === 'quoted') throw new Error(`"${this.fileName}" line ${this.rowLine}: a quoted field is never closed; the file ends inside it`);
    if (this.state === 'fieldStart' && this.fields.length === 0) return [];
    // A row ending in a delimiter has one more, empty, field.
    if (this.state === 'fieldStart') this.state = 'unquoted';
    const rows: CsvRow[] = [];
    this.endRow(rows);
    return rows;
  }

  /** Consumes characters from `index` in the current state; returns where to continue. */
  private step(chunk: string, index: number, rows: CsvRow[]): number {
    switch (this.state) {
      case 'fieldStart':
        if (chunk.charCodeAt(index) === 0x22) {
          this.state = 'quoted';
          return index + 1;
        }
        this.state = 'unquoted';
        return index;
      case 'unquoted':
        return this.readUnquoted(chunk, index, rows);
      case 'quoted': {
        const quote = chunk.indexOf('"', index);
        const end = quote === -1 ? chunk.length : quote;
        this.countLines(chunk, index, end);
        this.field.push(chunk.slice(index, end));
        if (quote !== -1) this.state = 'quoteInQuoted';
        return quote === -1 ? chunk.length : quote + 1;
      }
      case 'quoteInQuoted':
        return this.afterClosingQuote(chunk, index, rows);
    }
  }

  private readUnquoted(chunk: string, from: number, rows: CsvRow[]): number {
    for (let index = from; index < chunk.length; index++) {
      const code = chunk.charCodeAt(index);
      if (code !== this.delimiter && code !== 0x0a) continue;
      this.field.push(chunk.slice(from, index));
      this.endField();
      if (code === 0x0a) this.endRow(rows);
      return index + 1;
    }
    this.field.push(chunk.slice(from));
    return chunk.length;
  }

  private afterClosingQuote(chunk: string, index: number, rows: CsvRow[]): number {
    const code = chunk.charCodeAt(index);
    if (code === 0x22) {
      this.field.push('"');
      this.state = 'quoted';
    } else if (code === this.delimiter) {
      this.endField();
    } else if (code === 0x0a) {
      this.endField();
      this.endRow(rows);
    } else {
      throw new Error(`"${this.fileName}" line ${this.line}: unexpected "${chunk[index]}" after a closing quote; a quote inside a quoted field must be doubled ("")`);
    }
    return index + 1;
  }

  private endField(): void {
    this.fields.push(this.field.join(''));
    this.field = [];
    this.state = 'fieldStart';
  }

  private endRow(rows: CsvRow[]): void {
    if (this.state !== 'fieldStart') this.endField();
    const blank = this.fields.length === 1 && this.fields[0] === '';
    if (!blank) rows.push({ fields: this.fields, line: this.rowLine });
    this.fields = [];
    this.rowChars = 0;
    this.line++;
    this.rowLine = this.line;
  }

  private countLines(chunk: string, from: number, to: number): void {
    for (let at = chunk.indexOf('\n', from); at !== -1 && at < to; at = chunk.indexOf('\n', at + 1)) this.line++;
  }
}
