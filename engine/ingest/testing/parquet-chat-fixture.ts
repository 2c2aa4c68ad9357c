// Test helper: writes a parquet file with one nested column `messages`, a LIST of {role, content} structs, as Hugging
// Face chat datasets store it (3-level list: messages / list / element / role, content; all required, so the max
// definition and repetition levels are 1). One row group, one PLAIN data page per leaf column. Not for production.
import { writeFile } from 'node:fs/promises';
import { cellBytes, CompactWriter, PARQUET, THRIFT } from './parquet-fixture.ts';

/** A message; content may be raw bytes (to test bytes that are not UTF-8). */
export interface ChatFixtureMessage {
  role: string;
  content: string | Uint8Array;
}

const LIST_CONVERTED_TYPE = 3;
const REPEATED = 2;
const LEAVES = ['role', 'content'] as const;

export async function writeChatParquetFixture(file: string, rows: readonly (readonly ChatFixtureMessage[])[]): Promise<void> {
  const chunks: Buffer[] = [Buffer.from('PAR1')];
  let offset = 4;
  const columns: { leaf: string; offset: number; size: number; levels: number }[] = [];
  for (const leaf of LEAVES) {
    const page = leafPage(rows, leaf);
    columns.push({ leaf, offset, size: page.bytes.length, levels: page.levels });
    chunks.push(page.bytes);
    offset += page.bytes.length;
  }
  const footer = Buffer.from(metadata(rows.length, columns).bytes);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(footer.length);
  chunks.push(footer, length, Buffer.from('PAR1'));
  await writeFile(file, Buffer.concat(chunks));
}

/** Repetition level 0 starts a row, 1 continues its list; definition 1 = an element, 0 = an empty list. */
function leafPage(rows: readonly (readonly ChatFixtureMessage[])[], leaf: 'role' | 'content'): { bytes: Buffer; levels: number } {
  const repetition: number[] = [];
  const definition: number[] = [];
  const values: Buffer[] = [];
  for (const row of rows) {
    if (row.length === 0) {
      repetition.push(0);
      definition.push(0);
    }
    row.forEach((message, index) => {
      repetition.push(index === 0 ? 0 : 1);
      definition.push(1);
      const encoded = cellBytes(message[leaf]);
      const size = Buffer.alloc(4);
      size.writeUInt32LE(encoded.length);
      values.push(size, encoded);
    });
  }
  const body = Buffer.concat([levelBlock(repetition), levelBlock(definition), ...values]);
  const header = new CompactWriter().structBody((w) => {
    w.i32(1, PARQUET.dataPage).i32(2, body.length).i32(3, body.length);
    w.struct(5, (page) => page.i32(1, repetition.length).i32(2, PARQUET.plain).i32(3, PARQUET.rle).i32(4, PARQUET.rle));
  });
  return { bytes: Buffer.concat([Buffer.from(header.bytes), body]), levels: repetition.length };
}

/** Levels of bit width 1 as RLE runs (varint count << 1, then one byte), prefixed by their byte length (page v1). */
function levelBlock(levels: number[]): Buffer {
  const bytes: number[] = [];
  for (let start = 0; start < levels.length; ) {
    let end = start;
    while (end < levels.length && levels[end] === levels[start]) end++;
    for (let header = (end - start) << 1; ; header >>>= 7) {
      if (header < 0x80) {
        bytes.push(header);
        break;
      }
      bytes.push((header & 0x7f) | 0x80);
    }
    bytes.push(levels[start]!);
    start = end;
  }
  const length = Buffer.alloc(4);
  length.writeUInt32LE(bytes.length);
  return Buffer.concat([length, Buffer.from(bytes)]);
}

function metadata(rowCount: number, columns: { leaf: string; offset: number; size: number; levels: number }[]): CompactWriter {
  const schema = [
    { name: 'schema', children: 1 },
    { name: 'messages', children: 1, repetition: PARQUET.required, converted: LIST_CONVERTED_TYPE },
    { name: 'list', children: 1, repetition: REPEATED },
    { name: 'element', children: 2, repetition: PARQUET.required },
    { name: 'role', repetition: PARQUET.required, leaf: true },
    { name: 'content', repetition: PARQUET.required, leaf: true },
  ];
  return new CompactWriter().structBody((w) => {
    w.i32(1, 1);
    w.list(2, THRIFT.struct, schema, (list, element) =>
      list.structBody((entry) => {
        if (element.leaf) entry.i32(1, PARQUET.byteArray);
        if (element.repetition !== undefined) entry.i32(3, element.repetition);
        entry.string(4, element.name);
        if (element.children !== undefined) entry.i32(5, element.children);
        if (element.leaf) entry.i32(6, PARQUET.utf8);
        else if (element.converted !== undefined) entry.i32(6, element.converted);
      }),
    );
    w.i64(3, rowCount);
    w.list(4, THRIFT.struct, [columns], (list, group) =>
      list.structBody((rowGroup) => {
        rowGroup.list(1, THRIFT.struct, group, (columnList, column) =>
          columnList.structBody((chunk) => {
            chunk.i64(2, column.offset);
            chunk.struct(3, (meta) => {
              meta.i32(1, PARQUET.byteArray);
              meta.list(2, THRIFT.i32, [PARQUET.plain, PARQUET.rle], (encodings, encoding) => encodings.bytes.push(encoding * 2));
              meta.list(3, THRIFT.binary, ['messages', 'list', 'element', column.leaf], (path, part) => path.rawString(part));
              meta.i32(4, PARQUET.uncompressed).i64(5, column.levels).i64(6, column.size).i64(7, column.size).i64(9, column.offset);
            });
          }),
        );
        rowGroup.i64(2, group.reduce((sum, column) => sum + column.size, 0)).i64(3, rowCount);
      }),
    );
  });
}
