// The three character classes GPT-2's pre-tokenization regex tells apart (\s, \p{L}, \p{N}; the rest is "other"),
// as a lookup table so the hand-written scanner agrees with the JavaScript regex engine code point for code point.
//
// Whitespace is Unicode's White_Space property: what `\s` means to the engines that made the tokenizers we load and
// compare with (Oniguruma in Hugging Face's tokenizers, Rust's regex in tiktoken, Rust's `char::is_whitespace` for an
// added token's lstrip and rstrip). JavaScript's `\s` differs in two code points: it leaves out U+0085 (next line) and
// takes in U+FEFF (the byte order mark), so it is never used for tokenizing.

/** Unicode whitespace in a `u`-flag regex; `\P{White_Space}` is its complement. */
export const WHITESPACE_CLASS = '\\p{White_Space}';

export const CharClass = { other: 0, letter: 1, number: 2, space: 3 } as const;
export type CharClass = (typeof CharClass)[keyof typeof CharClass];

const SPACE = /^\p{White_Space}$/u;
const LETTER = /^\p{L}$/u;
const NUMBER = /^\p{N}$/u;

function classifyWithRegex(char: string): CharClass {
  if (SPACE.test(char)) return CharClass.space;
  if (LETTER.test(char)) return CharClass.letter;
  if (NUMBER.test(char)) return CharClass.number;
  return CharClass.other;
}

/** Built once from the regex engine itself (~10 ms) so that Unicode version updates in V8 carry over unchanged. */
function buildBmpTable(): Uint8Array {
  const table = new Uint8Array(0x10000);
  for (let code = 0; code < 0x10000; code++) {
    const isSurrogate = code >= 0xd800 && code <= 0xdfff;
    table[code] = isSurrogate ? CharClass.other : classifyWithRegex(String.fromCharCode(code));
  }
  return table;
}

const BMP_CLASSES = buildBmpTable();
const astralClasses = new Map<number, CharClass>();

/** Whether a one-character string (a code unit or a code point) is Unicode whitespace. */
export function isWhitespace(char: string): boolean {
  const codePoint = char.codePointAt(0);
  return codePoint !== undefined && classOfCodePoint(codePoint) === CharClass.space;
}

/** Class of a code point; lone surrogates are "other", as they are to a `u`-flag regex. */
export function classOfCodePoint(codePoint: number): CharClass {
  if (codePoint < 0x10000) return BMP_CLASSES[codePoint] as CharClass;
  let known = astralClasses.get(codePoint);
  if (known === undefined) {
    known = classifyWithRegex(String.fromCodePoint(codePoint));
    astralClasses.set(codePoint, known);
  }
  return known;
}
