// A node output's files with their sizes, and the text of one of them, for the studio's artifacts panel. Names are
// checked to stay inside the output's folder (symbolic links included); reads are bounded.
import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { OutputFileText, OutputFiles } from '../../app/protocol/preview-api.ts';
import { isWithin } from '../../nodes/dataset/sources.ts';

export const MAX_LISTED_FILES = 2000;
export const MAX_PREVIEW_BYTES = 256 * 1024;

export class OutputFileError extends Error {
  constructor(
    readonly reason: 'not_found' | 'outside',
    message: string,
  ) {
    super(message);
  }
}

export async function listOutputFiles(folder: string): Promise<OutputFiles> {
  const files: OutputFiles['files'] = [];
  let totalBytes = 0;
  let truncated = false;
  const walk = async (relative: string): Promise<void> => {
    const dirents = await readdir(path.join(folder, relative), { withFileTypes: true }).catch(() => []);
    for (const dirent of dirents.sort((a, b) => a.name.localeCompare(b.name))) {
      const name = relative === '' ? dirent.name : `${relative}/${dirent.name}`;
      if (dirent.isDirectory()) await walk(name);
      else if (dirent.isFile()) {
        const { size } = await stat(path.join(folder, name));
        totalBytes += size;
        if (files.length < MAX_LISTED_FILES) files.push({ name, bytes: size });
        else truncated = true;
      }
    }
  };
  await walk('');
  return { folder, files, totalBytes, truncated };
}

/** The file `name` (relative, `/`-separated) inside `folder`, or an error saying why not. */
export async function resolveOutputFile(folder: string, name: string): Promise<string> {
  const segments = name.split('/');
  if (path.isAbsolute(name) || segments.some((segment) => segment === '..' || segment === '' || segment.includes('\\'))) {
    throw new OutputFileError('outside', `"${name}" is not a file name inside the output's folder; use a name from its file list`);
  }
  const file = path.join(folder, ...segments);
  const [realFolder, realFile] = await Promise.all([realpath(folder), realpath(file).catch(() => null)]);
  if (realFile === null) throw new OutputFileError('not_found', `the output has no file "${name}"`);
  if (!isWithin(realFile, realFolder)) throw new OutputFileError('outside', `"${name}" leads outside the output's folder`);
  return realFile;
}

export async function readOutputFileText(folder: string, name: string, maxBytes = MAX_PREVIEW_BYTES): Promise<OutputFileText> {
  const file = await resolveOutputFile(folder, name);
  const info = await stat(file);
  if (!info.isFile()) throw new OutputFileError('not_found', `"${name}" is not a file`);
  const length = Math.min(info.size, maxBytes);
  const buffer = Buffer.alloc(length);
  const handle = await open(file, 'r');
  try {
    await handle.read(buffer, 0, length, 0);
  } finally {
    await handle.close();
  }
  const truncated = info.size > length;
  const text = decodeText(buffer, truncated);
  if (text === null) return { name, bytes: info.size, kind: 'binary', text: '', truncated };
  return { name, bytes: info.size, truncated, ...kindAndText(name, text, truncated) };
}

/**
 * UTF-8 text with NUL shown as ␀, or null for binary: invalid UTF-8 anywhere but a sequence cut at the end, or NUL
 * in more than 1% of the bytes (and more than 4). (A report quoting a random model's sample holds the odd NUL and is still text.)
 */
function decodeText(buffer: Buffer, cut: boolean): string | null {
  let nuls = 0;
  for (const byte of buffer) if (byte === 0) nuls += 1;
  if (nuls > Math.max(4, buffer.length / 100)) return null;
  let end = buffer.length;
  // A read cut in the middle of a character leaves up to 3 bytes of it; drop them rather than call the file binary.
  if (cut) while (end > 0 && end > buffer.length - 4 && (buffer[end - 1]! & 0xc0) === 0x80) end -= 1;
  if (cut && end > 0 && buffer[end - 1]! >= 0xc0) end -= 1;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, end)).replace(/\0/g, '\u2400');
  } catch {
    return null;
  }
}

function kindAndText(name: string, text: string, truncated: boolean): Pick<OutputFileText, 'kind' | 'text'> {
  const lower = name.toLowerCase();
  if (lower.endsWith('.md') || lower.endsWith('.markdown')) return { kind: 'markdown', text };
  if (lower.endsWith('.json') && !truncated) {
    try {
      return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      return { kind: 'text', text };
    }
  }
  return { kind: 'text', text };
}
