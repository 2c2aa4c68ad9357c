import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { writeParquetFixture } from '../testing/parquet-fixture.ts';
import { IngestHarness } from '../testing/ingest-harness.ts';

const harness = new IngestHarness();
afterAll(() => harness.cleanup());

/** Every document in order: valFraction 0 keeps them all in train, dedupe none keeps repeats. */
async function documentsOf(paths: string[], extra: Record<string, unknown> = {}): Promise<string[]> {
  const corpus = await harness.ingest({ sources: paths.map((path) => ({ path })), valFraction: 0, dedupe: 'none', ...extra });
  return corpus.train;
}

const RECORDS = ['first record', 'second, with "quotes"\nand a newline', 'third é 😀'];

describe('dataset formats', () => {
  it('reads .txt and .md files as one document each', async () => {
    const txt = harness.file('a/one.txt', 'alpha\nbeta\n');
    const md = harness.file('a/two.md', '# Title\n\nbody');
    expect(await documentsOf([txt, md])).toEqual(['alpha\nbeta\n', '# Title\n\nbody']);
  });

  it('reads .jsonl records, skipping blank lines and tolerating CRLF', async () => {
    const file = harness.file('r.jsonl', RECORDS.map((text, id) => JSON.stringify({ id, text })).join('\r\n') + '\r\n\r\n');
    expect(await documentsOf([file])).toEqual(RECORDS);
  });

  it('takes a null text field as a document with no text, which the empty filter counts', async () => {
    const file = harness.file('nulls.jsonl', '{"text":"kept"}\n{"text":null}\n{"text":"also kept"}\n');
    const corpus = await harness.ingest({ sources: [{ path: file }], valFraction: 0, dedupe: 'none' });
    expect(corpus.train).toEqual(['kept', 'also kept']);
    expect(corpus.stats.filtered.empty).toBe(1);
  });

  it('reads a .json array of records, including nested values and brackets inside strings', async () => {
    const records = RECORDS.map((text, id) => ({ id, tags: [[id], { deep: '] } [' }], text }));
    const file = harness.file('r.json', JSON.stringify(records, null, 2));
    expect(await documentsOf([file])).toEqual(RECORDS);
  });

  it('reads .csv with RFC 4180 quoting and .tsv with tabs, taking the textField column', async () => {
    const csv = harness.file('r.csv', 'id,body\r\n' + RECORDS.map((text, id) => `${id},"${text.replaceAll('"', '""')}"`).join('\r\n'));
    const tsv = harness.file('r.tsv', 'body\tid\n' + RECORDS.map((text, id) => `"${text.replaceAll('"', '""')}"\t${id}`).join('\n') + '\n');
    expect(await documentsOf([csv, tsv], { textField: 'body' })).toEqual([...RECORDS, ...RECORDS]);
  });

  it('reads the textField column of a .parquet file across row groups', async () => {
    const file = harness.file('r.parquet', '');
    await writeParquetFixture(file, { id: ['0', '1', '2'], text: RECORDS }, 2);
    expect(await documentsOf([file])).toEqual(RECORDS);
  });

  it('reads every format gzipped', async () => {
    const files = [
      harness.file('gz/a.txt.gz', gzipSync('plain text')),
      harness.file('gz/b.jsonl.gz', gzipSync(RECORDS.map((text) => JSON.stringify({ text })).join('\n'))),
      harness.file('gz/c.json.gz', gzipSync(JSON.stringify([{ text: 'from json' }]))),
      harness.file('gz/d.csv.gz', gzipSync('text\nfrom csv\n')),
      harness.file('gz/e.tsv.gz', gzipSync('text\nfrom tsv\n')),
    ];
    const parquet = harness.file('gz/f.parquet', '');
    await writeParquetFixture(parquet, { text: ['from parquet'] });
    files.push(harness.file('gz/f.parquet.gz', gzipSync(readFileSync(parquet))));
    expect(await documentsOf(files)).toEqual(['plain text', ...RECORDS, 'from json', 'from csv', 'from tsv', 'from parquet']);
  });

  it('reads a folder recursively with include and exclude globs', async () => {
    harness.file('tree/keep.md', 'kept one');
    harness.file('tree/deep/er/keep.md', 'kept two');
    harness.file('tree/deep/skip.md', 'excluded');
    harness.file('tree/notes.txt', 'not included');
    const corpus = await harness.ingest({ sources: [{ path: `${harness.root}/in/tree`, include: ['**/*.md'], exclude: ['**/skip.md'] }], valFraction: 0 });
    expect(corpus.train.sort()).toEqual(['kept one', 'kept two']);
  });

  it('honours a configured format over the extension', async () => {
    const file = harness.file('records.log', [JSON.stringify({ text: 'a record' })].join('\n'));
    expect(await documentsOf([file], { format: 'jsonl' })).toEqual(['a record']);
  });
});

describe('dataset format errors name the file and place', () => {
  const failureOf = async (paths: string[], extra: Record<string, unknown> = {}) => (await documentsOf(paths, extra).then(() => null, (error: Error) => error))?.message;

  it('a malformed JSONL line', async () => {
    const file = harness.file('bad.jsonl', '{"text":"ok"}\n\n{"text": oops}\n');
    expect(await failureOf([file])).toMatch(/bad\.jsonl" line 3: malformed JSON/);
  });

  it('a record without the text field lists the fields it has', async () => {
    const file = harness.file('nofield.jsonl', '{"text":"ok"}\n{"body":"x","id":2}\n');
    expect(await failureOf([file])).toMatch(/nofield\.jsonl" line 2: the record has no "text" field \(its fields: "body", "id"\)/);
  });

  it('a text field that is not a string', async () => {
    const file = harness.file('notstring.json', '[{"text":"ok"},\n{"text": 42}]');
    expect(await failureOf([file])).toMatch(/notstring\.json" record 2 \(line 2\): the "text" field is a number/);
  });

  it('a CSV without the text column, and a short row', async () => {
    const noColumn = harness.file('nocol.csv', 'a,b\n1,2\n');
    expect(await failureOf([noColumn])).toMatch(/nocol\.csv" line 1: the header has no "text" column \(its columns: "a", "b"\)/);
    const shortRow = harness.file('short.csv', 'id,text\n1,fine\n2\n');
    expect(await failureOf([shortRow])).toMatch(/short\.csv" line 3: the row has 1 fields/);
  });

  it('an unclosed CSV quote names the line it opened on', async () => {
    const file = harness.file('open.csv', 'text\n"fine"\n"never\nclosed\n');
    expect(await failureOf([file])).toMatch(/open\.csv" line 3: a quoted field is never closed/);
  });

  it('a parquet file without the text column', async () => {
    const file = harness.file('nocol.parquet', '');
    await writeParquetFixture(file, { body: ['x'] });
    expect(await failureOf([file])).toMatch(/nocol\.parquet" has no "text" column \(its columns: "body"\)/);
  });

  it('a parquet file whose data page is corrupted names the file, the row group and what to do', async () => {
    const file = harness.file('damaged.parquet', '');
    await writeParquetFixture(file, { text: RECORDS });
    const bytes = readFileSync(file);
    // The first value's 4-byte length prefix follows the 'PAR1' magic and the page header (which ends in a 0 byte).
    bytes.writeUInt32LE(15918, bytes.indexOf(Buffer.from(RECORDS[0]!)) - 4);
    writeFileSync(file, bytes);
    const message = await failureOf([file]);
    expect(message).toMatch(/damaged\.parquet" row group 1 of 1 \(rows 1–3\): its "text" column cannot be decoded \(.*\); the file is damaged or not a parquet file — re-export or re-download it, or remove it from the dataset's sources/);
  });

  it('a parquet file whose footer is garbage', async () => {
    const file = harness.file('garbage.parquet', Buffer.concat([Buffer.from('PAR1'), Buffer.from([0xff, 0xfe, 0x1b, 0x5b, 0x80, 0x90, 0x00, 0x00, 0x00, 0x08]), Buffer.from('PAR1')]));
    const message = await failureOf([file]);
    expect(message).toMatch(/garbage\.parquet" is not a readable parquet file \(.*\); the file is damaged or not a parquet file/);
    expect(message).toMatch(/^[\x20-\x7e—–]*$/);
  });

  it('a file that is not UTF-8 reports the byte offset, also inside a gzipped file', async () => {
    const bytes = Buffer.concat([Buffer.from('valid ascii and é then '), Buffer.from([0xff, 0x41])]);
    const plain = harness.file('latin1.txt', bytes);
    expect(await failureOf([plain])).toMatch(/latin1\.txt" is not valid UTF-8: byte 0xff at byte offset 24/);
    const gz = harness.file('latin1.txt.gz', gzipSync(bytes));
    expect(await failureOf([gz])).toMatch(/latin1\.txt\.gz" is not valid UTF-8: byte 0xff at byte offset 24/);
  });

  it('a parquet string that is not UTF-8 names its row and column instead of becoming U+FFFD', async () => {
    const file = harness.file('latin1.parquet', '');
    const latin1 = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9, 0x21])]);
    await writeParquetFixture(file, { id: ['0', '1', '2'], text: ['fine', 'also fine', latin1] }, 2);
    expect(await failureOf([file])).toMatch(/latin1\.parquet" row 3: not valid UTF-8 \(column "text", byte 0xe9 at byte offset 3 of the value\); re-export the file with its text as UTF-8 strings/);
  });

  it('a corrupt gzip file', async () => {
    const file = harness.file('corrupt.txt.gz', Buffer.from('this is not gzip at all'));
    expect(await failureOf([file])).toMatch(/corrupt\.txt\.gz" is not a valid gzip file/);
  });

  it('a .json file that is not an array', async () => {
    const file = harness.file('object.json', '{"text":"x"}');
    expect(await failureOf([file])).toMatch(/object\.json" line 1: a \.json file must hold an array of records/);
  });
});
