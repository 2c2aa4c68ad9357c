// One file the dataset reads: where its bytes are, the name that decides its format and appears in errors (a URL
// for a download), and a byte stream over it that inflates `.gz` files and counts the bytes read from disk.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { isGzippedName } from '../../app/datasets/file-format.ts';

export interface SourceFile {
  /** Absolute path of the bytes on disk (a cache entry for a URL). */
  path: string;
  /** What users recognise: the path, or the URL for a download. Its extension decides the format. */
  name: string;
  /** Size on disk, for progress. */
  bytes: number;
}

const READ_CHUNK_BYTES = 256 * 1024;

/** The file's content (inflated when gzipped), in chunks; `onDiskBytes` hears every chunk read from disk. */
export async function* readSourceBytes(file: SourceFile, onDiskBytes: (count: number) => void, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const disk = createReadStream(file.path, { highWaterMark: READ_CHUNK_BYTES });
  disk.on('data', (chunk) => onDiskBytes(chunk.length));
  const content = isGzippedName(file.name) ? disk.pipe(createGunzip({ chunkSize: READ_CHUNK_BYTES })) : disk;
  if (content !== disk) disk.on('error', (error) => content.destroy(error));
  try {
    for await (const chunk of content) {
      signal.throwIfAborted();
      yield chunk as Uint8Array;
    }
  } catch (error) {
    throw describeReadError(file, error as NodeJS.ErrnoException);
  } finally {
    disk.destroy();
    content.destroy();
  }
}

function describeReadError(file: SourceFile, error: NodeJS.ErrnoException): Error {
  if (error.name === 'AbortError' || error.name === 'InvalidUtf8Error') return error;
  if (error.code === 'ENOENT') return new Error(`"${file.name}" does not exist any more; it was removed while the dataset was reading`);
  if (error.code === 'EACCES' || error.code === 'EPERM') return new Error(`cannot read "${file.name}": permission denied; check the file's permissions`);
  if (error.code?.startsWith('Z_')) return new Error(`"${file.name}" is not a valid gzip file (${error.message}); check the download or drop the .gz extension`);
  return new Error(`cannot read "${file.name}": ${error.message}`);
}
