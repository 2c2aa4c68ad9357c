// registerLocalModel: `crucible models add DIR --repo ID --revision SHA`. A local copy of a hub model folder goes into
// the download cache and becomes the snapshot of that repo and revision, so pipelines naming them run offline.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { registerLocalFile } from '../ingest/download-cache.ts';
import { planModelFiles, SAFETENSORS_INDEX, shardsFromIndex, type FileSource } from './model-files.ts';
import { assertHubModelRef, type HubModelRef } from './model-ref.ts';
import { writeSnapshot, type Snapshot, type SnapshotFile } from './snapshot-store.ts';

/**
 * Copies the folder's model files (config, tokenizer files, safetensors weights) into the cache and writes the
 * snapshot of `ref`. The files are taken as they are: nothing checks them against the hub, which may be out of reach.
 */
export async function registerLocalModel(dataDir: string, dir: string, ref: HubModelRef): Promise<Snapshot> {
  assertHubModelRef(ref);
  const source: FileSource = { kind: 'folder', describe: dir };
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `folder "${dir}" does not exist; give the folder of a local copy of the model` : `cannot read "${dir}": ${error.message}`);
  });
  if (!info.isDirectory()) throw new Error(`"${dir}" is not a folder; give the folder holding the model's config.json, tokenizer.json and safetensors weights`);
  const names = await filesIn(dir);
  const plan = planModelFiles(names, source);
  const wanted = [...plan.files];
  if (plan.sharded) {
    for (const shard of shardsFromIndex(await readFile(path.join(dir, SAFETENSORS_INDEX), 'utf8'), source)) {
      if (!names.includes(shard)) throw new Error(`folder "${dir}": ${SAFETENSORS_INDEX} names the shard ${shard}, which is not in the folder; copy every shard the index names`);
      wanted.push(shard);
    }
  }
  const files: (SnapshotFile & { cachedPath: string })[] = [];
  for (const name of wanted) {
    const stored = await registerLocalFile(dataDir, path.join(dir, name));
    files.push({ name, sha256: stored.sha256, bytes: stored.bytes, cachedPath: stored.path });
  }
  return writeSnapshot(dataDir, ref, 'folder', files);
}

/** The folder's file names, symbolic links to files included (a Hugging Face cache snapshot is made of them). */
async function filesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const isFile = entry.isFile() || (entry.isSymbolicLink() && (await stat(path.join(dir, entry.name)).catch(() => null))?.isFile());
    if (isFile) names.push(entry.name);
  }
  return names;
}
