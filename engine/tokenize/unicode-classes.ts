// The three character classes GPT-2's pre-tokenization regex tells apart (\s, \p{L}, \p{N}; the rest is "other"),
// as a lookup table so the hand-written scanner agrees with the JavaScript regex engine code point for code point.

export const CharClass = { other: 0, letter: 1, number: 2, space: 3 } as const;
export type CharClass = (typeof CharClass)[keyof typeof CharClass];

const SPACE = /^\s$/u;
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
