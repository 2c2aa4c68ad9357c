// Reads a .json file holding an array of records, one element at a time; errors name the record and its line.
import { addWholeDocument } from '../document-sink.ts';
import { JsonArrayScanner } from './json-array-scanner.ts';
import { readFileText, type ReaderContext } from './reader-context.ts';

export async function readJsonArray(context: ReaderContext): Promise<void> {
  const scanner = new JsonArrayScanner(context.file.name);
  for await (const chunk of readFileText(context, 'none')) {
    for (const element of scanner.push(chunk)) {
      const where = `"${context.file.name}" record ${element.index} (line ${element.line})`;
      let record: unknown;
      try {
        record = JSON.parse(element.text);
      } catch (error) {
        throw new Error(`${where}: malformed JSON (${(error as Error).message})`);
      }
      const text = context.recordDocument(record, where);
      if (text !== null) await addWholeDocument(context.sink, text);
    }
  }
  scanner.finish();
}
