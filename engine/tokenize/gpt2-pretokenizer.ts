// GPT-2's pre-tokenization: splits text into the pieces BPE runs on. A hand-written scanner that matches
// GPT2_SPLIT_PATTERN exactly (tested against the regex) and runs several times faster than `matchAll`.
import { CharClass, classOfCodePoint, WHITESPACE_CLASS } from './unicode-classes.ts';

/**
 * The pattern as GPT-2 and tiktoken write it, in JavaScript's dialect: their `\s` (Unicode whitespace, see
 * unicode-classes.ts) is spelled `\p{White_Space}`, and `\S` `\P{White_Space}`. Use with the `u` flag.
 */
const NOT_WHITESPACE_CLASS = WHITESPACE_CLASS.replace('\\p', '\\P');
export const GPT2_SPLIT_PATTERN = `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WHITESPACE_CLASS}\\p{L}\\p{N}]+|${WHITESPACE_CLASS}+(?!${NOT_WHITESPACE_CLASS})|${WHITESPACE_CLASS}+`;

const APOSTROPHE = 0x27;
const SPACE = 0x20;

function codePointAt(text: string, index: number, end: number): number {
  const unit = text.charCodeAt(index);
  if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < end) {
    const low = text.charCodeAt(index + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return (unit - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
  }
  return unit;
}

/** Length in code units of a contraction ('s 't 're 've 'm 'll 'd) starting at `index`, or 0. */
function contractionLength(text: string, index: number, end: number): number {
  if (index + 1 >= end) return 0;
  const first = text.charCodeAt(index + 1);
  if (first === 0x73 || first === 0x74 || first === 0x6d || first === 0x64) return 2; // s t m d
  if (index + 2 >= end) return 0;
  const second = text.charCodeAt(index + 2);
  if ((first === 0x72 || first === 0x76) && second === 0x65) return 3; // re ve
  if (first === 0x6c && second === 0x6c) return 3; // ll
  return 0;
}

function runEnd(text: string, index: number, end: number, runClass: CharClass): number {
  let position = index;
  while (position < end) {
    const codePoint = codePointAt(text, position, end);
    if (classOfCodePoint(codePoint) !== runClass) break;
    position += codePoint > 0xffff ? 2 : 1;
  }
  return position;
}

/** Whitespace is `\s+(?!\S)` then `\s+`: a run keeps its last character for the next word unless it ends the text. */
function whitespacePieceEnd(text: string, index: number, end: number): number {
  const spaceEnd = runEnd(text, index, end, CharClass.space);
  if (spaceEnd === end || spaceEnd - index === 1) return spaceEnd;
  return spaceEnd - 1;
}

/** End (exclusive, in code units) of the GPT-2 piece that starts at `index`; `end` bounds the text. */
export function gpt2PieceEnd(text: string, index: number, end: number): number {
  const unit = text.charCodeAt(index);
  if (unit === APOSTROPHE) {
    const length = contractionLength(text, index, end);
    if (length > 0) return index + length;
  }
  let runStart = index;
  let runClass = classOfCodePoint(codePointAt(text, index, end));
  if (unit === SPACE && index + 1 < end) {
    const nextClass = classOfCodePoint(codePointAt(text, index + 1, end));
    if (nextClass !== CharClass.space) {
      runStart = index + 1;
      runClass = nextClass;
    }
  }
  if (runClass === CharClass.space) return whitespacePieceEnd(text, index, end);
  return runEnd(text, runStart, end, runClass);
}

/** All pieces of `text`, in order; convenient for tests and small inputs. */
export function splitGpt2Pieces(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; ) {
    const end = gpt2PieceEnd(text, start, text.length);
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
