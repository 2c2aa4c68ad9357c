// Takes the text out of one record (a JSON object or a CSV/parquet row) and cleans it, failing with the record's
// location and the fields it does have when the text field is missing or is not a string (null is no text).
import { cleanDocumentText, type UnicodeNormalization } from '../text-cleaning.ts';

/** `where` reads like `"data.jsonl" line 12`; it starts every message. */
export function recordText(record: unknown, textField: string, where: string, normalization: UnicodeNormalization): string {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new Error(`${where}: expected an object with a "${textField}" field, found ${describeValue(record)}`);
  }
  const value = (record as Record<string, unknown>)[textField];
  if (value === undefined) {
    const fields = Object.keys(record).slice(0, 20).map((name) => `"${name}"`).join(', ') || 'none';
    throw new Error(`${where}: the record has no "${textField}" field (its fields: ${fields}); set the dataset's textField to the field that holds the text`);
  }
  // A null cell (common in parquet and Hugging Face exports) is a document with no text: the empty filter counts it.
  if (value === null) return '';
  if (typeof value !== 'string') {
    throw new Error(`${where}: the "${textField}" field is ${describeValue(value)}, not a string; set textField to a text field or fix the record`);
  }
  return cleanDocumentText(value, normalization);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
