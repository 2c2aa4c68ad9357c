// Reads a multiple-choice suite for the evaluate node: JSONL, one question per line, in the shapes the common
// benchmarks ship in — {"context", "choices": [..], "label": n} (Crucible's own), HellaSwag's {"ctx", "endings",
// "label"} and ARC's {"question", "choices": {"text": [..], "label": [..]}, "answerKey"}. Bad lines are refused with
// their line number and what to fix; values are never quoted back (the file may hold anything).
import { readFileSync, statSync } from 'node:fs';
import { decodeStrictUtf8, firstInvalidUtf8Byte } from '../../../app/pipeline/bounded-json.ts';

export interface MultipleChoiceItem {
  context: string;
  choices: string[];
  /** Index of the right choice. */
  gold: number;
}

/** Larger suites are better sampled before evaluating: each choice is a forward pass. */
const MAX_SUITE_BYTES = 64 * 1024 * 1024;
const CONTEXT_FIELDS = ['context', 'ctx', 'query', 'question'] as const;
const CHOICE_FIELDS = ['choices', 'endings'] as const;

export function readMultipleChoiceSuite(file: string): MultipleChoiceItem[] {
  const size = (() => {
    try {
      return statSync(file).size;
    } catch (error) {
      throw new Error(`evaluate: the multiple-choice suite ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); set multipleChoice to a JSONL file of questions, or leave it empty`);
    }
  })();
  if (size > MAX_SUITE_BYTES) throw new Error(`evaluate: the multiple-choice suite ${file} is ${size} bytes, over the ${MAX_SUITE_BYTES / 1024 / 1024} MiB limit; keep a sample of its questions`);
  const items: MultipleChoiceItem[] = [];
  textOf(file, readFileSync(file))
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      items.push(itemOf(line, `${file}:${index + 1}`));
    });
  if (items.length === 0) throw new Error(`evaluate: the multiple-choice suite ${file} holds no questions; write one JSON object per line with a context, choices and the right choice's label`);
  return items;
}

/** Strict UTF-8 without a leading BOM, as the dataset reads files; bytes that are not UTF-8 fail with their line. */
function textOf(file: string, bytes: Uint8Array): string {
  const text = decodeStrictUtf8(bytes);
  if (text !== null) return text;
  // A newline byte is never inside a UTF-8 sequence, so the newlines before the first bad byte give its line.
  const line = 1 + bytes.subarray(0, firstInvalidUtf8Byte(bytes)).filter((byte) => byte === 0x0a).length;
  throw new Error(`evaluate: ${file}:${line}: not valid UTF-8; re-save the multiple-choice suite as UTF-8 (or convert it with iconv)`);
}

function itemOf(line: string, where: string): MultipleChoiceItem {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message}); each line must be one JSON object`);
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new Error(`${where}: each line must be a JSON object with a context, choices and a label`);
  const fields = record as Record<string, unknown>;
  const contextField = CONTEXT_FIELDS.find((name) => typeof fields[name] === 'string');
  if (contextField === undefined) throw new Error(`${where}: no context; give the text before the choices as a string in "context" (or "ctx", "query", "question")`);
  const { choices, labels } = choicesOf(fields, where);
  return { context: fields[contextField] as string, choices, gold: goldOf(fields, labels, choices.length, where) };
}

/** The choices' texts, and their labels when the file names them (ARC's "A", "B"…). */
function choicesOf(fields: Record<string, unknown>, where: string): { choices: string[]; labels: string[] | null } {
  const field = CHOICE_FIELDS.find((name) => fields[name] !== undefined);
  const value = field === undefined ? undefined : fields[field];
  const isTextList = (list: unknown): list is string[] => Array.isArray(list) && list.every((entry) => typeof entry === 'string');
  let choices: string[] | null = null;
  let labels: string[] | null = null;
  if (isTextList(value)) choices = value;
  else if (value !== null && typeof value === 'object' && isTextList((value as { text?: unknown }).text)) {
    choices = (value as { text: string[] }).text;
    const named = (value as { label?: unknown }).label;
    labels = isTextList(named) && named.length === choices.length ? named : null;
  }
  if (choices === null) throw new Error(`${where}: no choices; give them as a list of strings in "choices" (or "endings", or ARC's {"text": [...], "label": [...]})`);
  if (choices.length < 2) throw new Error(`${where}: ${choices.length} choice(s); a multiple-choice question needs at least 2`);
  return { choices, labels };
}

/** The right choice: "label"/"gold" as an index (number or digits), or "answerKey" as one of the labels (or A, B, …). */
function goldOf(fields: Record<string, unknown>, labels: string[] | null, count: number, where: string): number {
  const key = fields.answerKey;
  let gold: number | null = null;
  if (typeof key === 'string' || typeof key === 'number') {
    const text = String(key);
    const named = labels?.indexOf(text) ?? -1;
    gold = named >= 0 ? named : /^[A-Z]$/.test(text) ? text.charCodeAt(0) - 65 : /^\d+$/.test(text) ? Number(text) - 1 : null;
  } else {
    const label = fields.label ?? fields.gold;
    if (typeof label === 'number' && Number.isInteger(label)) gold = label;
    else if (typeof label === 'string' && /^\d+$/.test(label)) gold = Number(label);
  }
  if (gold === null) throw new Error(`${where}: no right answer; give the right choice's index (from 0) in "label", or ARC's "answerKey"`);
  if (gold < 0 || gold >= count) throw new Error(`${where}: the right answer is choice ${gold} (counting from 0), but there are ${count} choices`);
  return gold;
}
