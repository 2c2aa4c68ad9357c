// Cuts a JSON array arriving in chunks into the source text of its elements, so a .json file larger than memory
// can be parsed one record at a time. It tracks strings and nesting only; JSON.parse checks each element.
import { MAX_RECORD_CHARS } from './reader-context.ts';

export interface ScannedElement {
  text: string;
  /** 1-based index of the record in the array, and the line it starts on. */
  index: number;
  line: number;
}

type State = 'beforeArray' | 'firstElement' | 'nextElement' | 'inElement' | 'afterElement' | 'closed';

const isWhitespace = (char: string): boolean => char === ' ' || char === '\n' || char === '\t' || char === '\r';

export class JsonArrayScanner {
  private state: State = 'beforeArray';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private pieces: string[] = [];
  private pieceChars = 0;
  private line = 1;
  private elementLine = 1;
  private elementCount = 0;

  constructor(private readonly fileName: string) {}

  push(chunk: string): ScannedElement[] {
    const elements: ScannedElement[] = [];
    let elementStart = this.state === 'inElement' ? 0 : -1;
    for (let index = 0; index < chunk.length; index++) {
      const char = chunk[index]!;
      if (this.state === 'inElement') {
        if (this.inString) {
          index = this.skipStringContent(chunk, index);
          continue;
        }
        const end = this.elementEndAt(char);
        if (end === 'continue') {
          if (char === '\n') this.line++;
          continue;
        }
        const stop = end === 'after' ? index + 1 : index;
        elements.push(this.finishElement(chunk.slice(elementStart, stop)));
        elementStart = -1;
        if (end === 'before') index--;
        continue;
      }
      if (isWhitespace(char)) {
        if (char === '\n') this.line++;
        continue;
      }
      if (this.startsElement(char)) {
        elementStart = index;
        index--;
      }
    }
    if (elementStart !== -1) this.keepPartial(chunk.slice(elementStart));
    return elements;
  }

  finish(): void {
    if (this.state === 'closed') return;
    if (this.state === 'beforeArray') throw new Error(`"${this.fileName}" is empty; a .json file must hold an array of records`);
    const where = this.state === 'inElement' ? `record ${this.elementCount + 1} (line ${this.elementLine}) is incomplete` : `after record ${this.elementCount}`;
    throw new Error(`"${this.fileName}" ends before its array is closed: ${where}; the file may be truncated`);
  }

  /** Handles a non-whitespace character outside an element; true when it starts one. */
  private startsElement(char: string): boolean {
    const where = `"${this.fileName}" line ${this.line}`;
    switch (this.state) {
      case 'beforeArray':
        if (char !== '[') throw new Error(`${where}: a .json file must hold an array of records, but it starts with "${char}"; use .jsonl for one record per line`);
        this.state = 'firstElement';
        return false;
      case 'afterElement':
        if (char === ',') this.state = 'nextElement';
        else if (char === ']') this.state = 'closed';
        else throw new Error(`${where}: expected "," or "]" after record ${this.elementCount}, found "${char}"`);
        return false;
      case 'closed':
        throw new Error(`${where}: unexpected "${char}" after the end of the array`);
      default:
        if (char === ']' && this.state === 'firstElement') {
          this.state = 'closed';
          return false;
        }
        if (char === ']' || char === ',') throw new Error(`${where}: expected record ${this.elementCount + 1}, found "${char}"`);
        this.state = 'inElement';
        this.elementLine = this.line;
        return true;
    }
  }

  /** Whether `char` ends the current element: after it (a closing bracket), before it (`,` or `]` after a scalar). */
  private elementEndAt(char: string): 'after' | 'before' | 'continue' {
    if (char === '"') {
      this.inString = true;
      return 'continue';
    }
    if (char === '{' || char === '[') {
      this.depth++;
      return 'continue';
    }
    if (char === '}' || char === ']') {
      if (this.depth === 0) return 'before';
      this.depth--;
      return this.depth === 0 ? 'after' : 'continue';
    }
    return char === ',' && this.depth === 0 ? 'before' : 'continue';
  }

  /** Index of the last character consumed inside a string (its closing quote, or the chunk's end). */
  private skipStringContent(chunk: string, from: number): number {
    for (let index = from; index < chunk.length; index++) {
      if (this.escaped) {
        this.escaped = false;
        continue;
      }
      const code = chunk.charCodeAt(index);
      if (code === 0x5c) this.escaped = true;
      else if (code === 0x22) {
        this.inString = false;
        return index;
      }
    }
    return chunk.length - 1;
  }

  private keepPartial(text: string): void {
    this.pieces.push(text);
    this.pieceChars += text.length;
    if (this.pieceChars > MAX_RECORD_CHARS) {
      throw new Error(`"${this.fileName}" record ${this.elementCount + 1} (line ${this.elementLine}) is longer than ${MAX_RECORD_CHARS} characters; one record must fit in memory`);
    }
  }

  private finishElement(tail: string): ScannedElement {
    this.pieces.push(tail);
    const text = this.pieces.join('');
    this.pieces = [];
    this.pieceChars = 0;
    this.elementCount++;
    this.state = 'afterElement';
    return { text, index: this.elementCount, line: this.elementLine };
  }
}
