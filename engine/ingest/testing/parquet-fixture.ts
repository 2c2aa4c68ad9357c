// Test helper: writes a small, valid parquet file of UTF-8 string columns (PLAIN encoding, no compression, one
// data page per column chunk), so the reader is tested without a parquet writer dependency. Not for production.
import { writeFile } from 'node:fs/promises';

export const THRIFT = { i32: 5, i64: 6, binary: 8, list: 9, struct: 12 } as const;
export const PARQUET = { byteArray: 6, required: 0, optional: 1, utf8: 0, plain: 0, rle: 3, uncompressed: 0, dataPage: 0 } as const;

/** Thrift compact protocol, just the parts parquet metadata needs. */
export class CompactWriter {
  readonly bytes: number[] = [];
  private lastField = [0];

  field(id: number, type: number): this {
    const delta = id - this.lastField[this.lastField.length - 1]!;
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(id);
    }
    this.lastField[this.lastField.length - 1] = id;
    return this;
  }

  i32(id: number, value: number): this {
    return this.field(id, THRIFT.i32).zigzag(value);
  }

  i64(id: number, value: number): this {
    return this.field(id, THRIFT.i64).zigzag(value);
  }

  string(id: number, value: string): this {
    this.field(id, THRIFT.binary);
    const encoded = Buffer.from(value, 'utf8');
    this.varint(encoded.length);
    this.bytes.push(...encoded);
    return this;
  }

  struct(id: number, write: (writer: this) => void): this {
    this.field(id, THRIFT.struct);
    return this.structBody(write);
  }

  list<T>(id: number, elementType: number, items: readonly T[], write: (writer: this, item: T) => void): this {
    this.field(id, THRIFT.list);
    if (items.length < 15) this.bytes.push((items.length << 4) | elementType);
    else {
      this.bytes.push(0xf0 | elementType);
      this.varint(items.length);
    }
    for (const item of items) write(this, item);
    return this;
  }

  structBody(write: (writer: this) => void): this {
    this.lastField.push(0);
    write(this);
    this.bytes.push(0);
    this.lastField.pop();
    return this;
  }

  rawString(value: string): this {
    const encoded = Buffer.from(value, 'utf8');
    this.varint(encoded.length);
    this.bytes.push(...encoded);
    return this;
  }

  private zigzag(value: number): this {
    return this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  private varint(value: number): this {
    let rest = value;
    while (rest >= 0x80) {
      this.bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.bytes.push(rest);
    return this;
  }
}

/** A cell's bytes: a string as UTF-8, or raw bytes as they are (to test bytes that are not UTF-8). */
export function cellBytes(value: string | Uint8Array): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
}

/** Column name -> one string (or raw bytes) per row. Rows are cut into row groups of `rowGroupSize`. */
export async function writeParquetFixture(file: string, columns: Record<string, (string | Uint8Array)[]>, rowGroupSize = 1000): Promise<void> {
  const names = Object.keys(columns);
  const rowCount = columns[names[0]!]!.length;
  const chunks: Buffer[] = [Buffer.from('PAR1')];
  let offset = 4;
  const rowGroups: { columns: { name: string; offset: number; size: number; values: number }[]; rows: number }[] = [];
  for (let start = 0; start < rowCount; start += rowGroupSize) {
    const rows = Math.min(rowGroupSize, rowCount - start);
    const group = { columns: [] as { name: string; offset: number; size: number; values: number }[], rows };
    for (const name of names) {
      const page = dataPage(columns[name]!.slice(start, start + rows));
      group.columns.push({ name, offset, size: page.length, values: rows });
      chunks.push(page);
      offset += page.length;
    }
    rowGroups.push(group);
  }
  const footer = Buffer.from(fileMetadata(names, rowCount, rowGroups).bytes);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(footer.length);
  chunks.push(footer, length, Buffer.from('PAR1'));
  await writeFile(file, Buffer.concat(chunks));
}

function dataPage(values: (string | Uint8Array)[]): Buffer {
  const body = Buffer.concat(values.flatMap((value) => {
    const encoded = cellBytes(value);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(encoded.length);
    return [length, encoded];
  }));
  const header = new CompactWriter().structBody((w) => {
    w.i32(1, PARQUET.dataPage).i32(2, body.length).i32(3, body.length);
    w.struct(5, (page) => page.i32(1, values.length).i32(2, PARQUET.plain).i32(3, PARQUET.rle).i32(4, PARQUET.rle));
  });
  return Buffer.concat([Buffer.from(header.bytes), body]);
}

function fileMetadata(names: string[], rowCount: number, rowGroups: { columns: { name: string; offset: number; size: number; values: number }[]; rows: number }[]): CompactWriter {
  return new CompactWriter().structBody((w) => {
    w.i32(1, 1);
    w.list(2, THRIFT.struct, [null, ...names], (list, name) =>
      list.structBody((element) => {
        if (name === null) {
          element.string(4, 'schema').i32(5, names.length);
          return;
        }
        element.i32(1, PARQUET.byteArray).i32(3, PARQUET.required).string(4, name).i32(6, PARQUET.utf8);
      }),
    );
    w.i64(3, rowCount);
    w.list(4, THRIFT.struct, rowGroups, (list, group) =>
      list.structBody((rowGroup) => {
        rowGroup.list(1, THRIFT.struct, group.columns, (columnList, column) =>
          columnList.structBody((chunk) => {
            chunk.i64(2, column.offset);
            chunk.struct(3, (meta) => {
              meta.i32(1, PARQUET.byteArray);
              meta.list(2, THRIFT.i32, [PARQUET.plain], (encodings, encoding) => encodings.bytes.push(encoding * 2));
              meta.list(3, THRIFT.binary, [column.name], (path, part) => path.rawString(part));
              meta.i32(4, PARQUET.uncompressed).i64(5, column.values).i64(6, column.size).i64(7, column.size).i64(9, column.offset);
            });
          }),
        );
        rowGroup.i64(2, group.columns.reduce((sum, column) => sum + column.size, 0)).i64(3, group.rows);
      }),
    );
  });
}
