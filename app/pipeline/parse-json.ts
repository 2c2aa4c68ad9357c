// JSON.parse with the line and column of a syntax error, so users can jump to the broken spot; nesting beyond
// MAX_JSON_DEPTH is such an error too (nothing that walks the value later can overflow its stack).
import { checkJsonDepth, tooDeepOffset } from './bounded-json.ts';
import { findJsonErrorOffset } from './json-error-offset.ts';

export interface JsonSyntaxProblem {
  message: string;
  line: number;
  column: number;
}

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; problem: JsonSyntaxProblem };

export function parseJsonWithPosition(rawText: string): JsonParseResult {
  const text = rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText;
  const tooDeep = checkJsonDepth(text);
  if (tooDeep) return { ok: false, problem: { message: tooDeep.message, ...lineAndColumn(text, tooDeepOffset(text)) } };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const { line, column } = lineAndColumn(text, errorOffset(message, text));
    return { ok: false, problem: { message: shortMessage(message), line, column } };
  }
}

/** V8 appends the position or a quote of the whole input; we report line and column instead. */
function shortMessage(message: string): string {
  return message.replace(/ in JSON at position \d+.*$/s, '').replace(/, "[\s\S]*" is not valid JSON$/, '');
}

function errorOffset(message: string, text: string): number {
  const position = /at position (\d+)/.exec(message);
  if (position) return Number(position[1]);
  const found = findJsonErrorOffset(text);
  return found >= 0 ? found : text.length;
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
