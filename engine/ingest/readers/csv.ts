// Reads .csv and .tsv files: the first row names the columns, the textField column of every other row is a
// document. Errors name the file and line.
import { addWholeDocument } from '../document-sink.ts';
import { cleanDocumentText } from '../text-cleaning.ts';
import { CsvParser, type CsvRow } from './csv-parser.ts';
import { readFileText, type ReaderContext } from './reader-context.ts';

export async function readDelimited(context: ReaderContext, delimiter: ',' | '\t'): Promise<void> {
  const parser = new CsvParser(context.file.name, delimiter);
  let textColumn = -1;
  const take = async (rows: CsvRow[]): Promise<void> => {
    for (const row of rows) {
      if (textColumn === -1) {
        textColumn = columnIndex(row, context);
        continue;
      }
      const value = row.fields[textColumn];
      if (value === undefined) {
        throw new Error(`"${context.file.name}" line ${row.line}: the row has ${row.fields.length} fields, so no "${context.textField}" column (column ${textColumn + 1}); check the delimiters and quotes on that line`);
      }
      await addWholeDocument(context.sink, cleanDocumentText(value, context.normalization));
    }
  };
  for await (const chunk of readFileText(context, 'newlines')) await take(parser.push(chunk));
  await take(parser.finish());
  if (textColumn === -1) throw new Error(`"${context.file.name}" is empty; a ${delimiter === ',' ? 'CSV' : 'TSV'} file needs a header row naming its columns`);
}

function columnIndex(header: CsvRow, context: ReaderContext): number {
  const index = header.fields.indexOf(context.textField);
  if (index !== -1) return index;
  const columns = header.fields.slice(0, 20).map((name) => `"${name}"`).join(', ');
  throw new Error(`"${context.file.name}" line ${header.line}: the header has no "${context.textField}" column (its columns: ${columns}); set the dataset's textField to the column that holds the text`);
}
