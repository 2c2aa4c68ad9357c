// Writes a file through a large buffer with positioned writes, and can rewind to an earlier offset: the dataset
// writes a document as it streams in and takes it back if a filter or dedup rejects it at the end.
import { open, type FileHandle } from 'node:fs/promises';

const BUFFER_BYTES = 4 * 1024 * 1024;
/** A UTF-16 code unit never takes more than 3 bytes of UTF-8 (a surrogate pair takes 4 for 2 units). */
const MAX_UTF8_BYTES_PER_UNIT = 3;

export class BufferedFileWriter {
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private buffered = 0;
  /** Bytes already written to the file; the buffer continues from here. */
  private flushedTo = 0;

  private constructor(
    private readonly handle: FileHandle,
    readonly filePath: string,
  ) {}

  static async create(filePath: string): Promise<BufferedFileWriter> {
    return new BufferedFileWriter(await open(filePath, 'w+'), filePath);
  }

  /** Bytes written so far (the offset the next byte goes to). */
  get position(): number {
    return this.flushedTo + this.buffered;
  }

  /** Encodes and appends text; returns its UTF-8 bytes (a view that is valid until the next write). */
  async writeText(text: string): Promise<Uint8Array> {
    if (text.length * MAX_UTF8_BYTES_PER_UNIT > BUFFER_BYTES) {
      const bytes = Buffer.from(text, 'utf8');
      await this.writeBytes(bytes);
      return bytes;
    }
    if (this.buffered + text.length * MAX_UTF8_BYTES_PER_UNIT > BUFFER_BYTES) await this.flush();
    const start = this.buffered;
    this.buffered += this.buffer.write(text, start, 'utf8');
    return this.buffer.subarray(start, this.buffered);
  }

  async writeBytes(bytes: Uint8Array): Promise<void> {
    if (this.buffered + bytes.length > BUFFER_BYTES) await this.flush();
    if (bytes.length > BUFFER_BYTES) {
      await this.writeAt(bytes, this.flushedTo);
      this.flushedTo += bytes.length;
      return;
    }
    this.buffer.set(bytes, this.buffered);
    this.buffered += bytes.length;
  }

  /** Forgets everything written from `offset` on; the next write goes there. */
  rewindTo(offset: number): void {
    if (offset > this.position) throw new RangeError(`cannot rewind ${this.filePath} forward to ${offset} (at ${this.position})`);
    if (offset >= this.flushedTo) {
      this.buffered = offset - this.flushedTo;
      return;
    }
    this.flushedTo = offset;
    this.buffered = 0;
  }

  /** Flushes, cuts the file at the current position (a rewind may have left bytes after it) and closes it. */
  async close(): Promise<void> {
    await this.flush();
    await this.handle.truncate(this.flushedTo);
    await this.handle.close();
  }

  /** Closes without flushing, for error paths. */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0) return;
    await this.writeAt(this.buffer.subarray(0, this.buffered), this.flushedTo);
    this.flushedTo += this.buffered;
    this.buffered = 0;
  }

  private async writeAt(bytes: Uint8Array, position: number): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      const result = await this.handle.write(bytes, written, bytes.length - written, position + written);
      written += result.bytesWritten;
    }
  }
}
