// Total size in bytes of the regular files under a folder, for the `bytes` an artifact records.
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

export async function folderSizeBytes(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const child = path.join(folder, entry.name);
    if (entry.isDirectory()) total += await folderSizeBytes(child);
    else if (entry.isFile()) total += (await lstat(child)).size;
  }
  return total;
}
