// Model snapshots on disk: <dataDir>/models/<owner>/<name>/<revision>/ holds a model's files (hard links to the
// download cache's copies, or copies where links fail) and crucible-snapshot.json, written last, which says the
// snapshot is complete and records each file's sha256 and size.
import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from '../files/atomic-file.ts';
import type { HubModelRef } from './model-ref.ts';

export const SNAPSHOT_MANIFEST = 'crucible-snapshot.json';

export interface SnapshotFile {
  name: string;
  sha256: string;
  bytes: number;
}

const manifestSchema = z.object({
  repo: z.string(),
  revision: z.string(),
  source: z.enum(['hub', 'folder']),
  files: z.array(z.object({ name: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() })),
});

export type SnapshotManifest = z.infer<typeof manifestSchema>;

export interface Snapshot {
  folder: string;
  files: SnapshotFile[];
}

export function modelsDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

/** The snapshot folder of a (validated) reference. */
export function snapshotFolder(dataDir: string, ref: HubModelRef): string {
  const [owner, name] = ref.repo.split('/') as [string, string];
  return path.join(modelsDir(dataDir), owner, name, ref.revision);
}

/** The manifest of a complete snapshot of the reference, or null when there is none (or its files are gone). */
export async function readCompleteSnapshot(dataDir: string, ref: HubModelRef): Promise<SnapshotManifest | null> {
  const folder = snapshotFolder(dataDir, ref);
  const manifest = await readManifest(path.join(folder, SNAPSHOT_MANIFEST));
  if (!manifest || manifest.repo !== ref.repo || manifest.revision !== ref.revision) return null;
  for (const file of manifest.files) {
    const info = await stat(path.join(folder, file.name)).catch(() => null);
    if (!info?.isFile() || info.size !== file.bytes) return null;
  }
  return manifest;
}

/**
 * Puts the cached copies into the snapshot folder under their names, then writes the manifest. The old manifest goes
 * first, so a reader never takes a half-replaced snapshot for a complete one, and so does every file the new list
 * does not name: the importer reads the folder, and an earlier registration's model.safetensors left beside a sharded
 * one would be imported instead of it.
 */
export async function writeSnapshot(
  dataDir: string,
  ref: HubModelRef,
  source: SnapshotManifest['source'],
  files: readonly (SnapshotFile & { cachedPath: string })[],
): Promise<Snapshot> {
  const folder = snapshotFolder(dataDir, ref);
  await mkdir(folder, { recursive: true });
  await rm(path.join(folder, SNAPSHOT_MANIFEST), { force: true });
  const named = new Set(files.map((file) => file.name));
  for (const entry of await readdir(folder)) if (!named.has(entry)) await rm(path.join(folder, entry), { recursive: true, force: true });
  for (const file of files) await placeFile(file.cachedPath, path.join(folder, file.name));
  const listed = files.map(({ name, sha256, bytes }) => ({ name, sha256, bytes }));
  const manifest: SnapshotManifest = { repo: ref.repo, revision: ref.revision, source, files: listed };
  writeFileAtomically(path.join(folder, SNAPSHOT_MANIFEST), (append) => append(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)));
  return { folder, files: listed };
}

/** Every complete-looking snapshot in the data dir (by its manifest), sorted by repo then revision. */
export async function listSnapshots(dataDir: string): Promise<(SnapshotManifest & { folder: string })[]> {
  const found: (SnapshotManifest & { folder: string })[] = [];
  for (const owner of await subfolders(modelsDir(dataDir))) {
    for (const name of await subfolders(path.join(modelsDir(dataDir), owner))) {
      for (const revision of await subfolders(path.join(modelsDir(dataDir), owner, name))) {
        const folder = path.join(modelsDir(dataDir), owner, name, revision);
        const manifest = await readManifest(path.join(folder, SNAPSHOT_MANIFEST));
        if (manifest) found.push({ ...manifest, folder });
      }
    }
  }
  return found.sort((a, b) => a.repo.localeCompare(b.repo) || a.revision.localeCompare(b.revision));
}

async function readManifest(file: string): Promise<SnapshotManifest | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
}

/** A hard link to the cached copy (no second copy on disk), or a copy where the file system refuses links. */
async function placeFile(cachedPath: string, target: string): Promise<void> {
  const temp = `${target}.${randomUUID()}.tmp`;
  try {
    await link(cachedPath, temp).catch(() => copyFile(cachedPath, temp));
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
}
