// modelSnapshot: a hub model revision's files on this machine. A complete snapshot in the data dir is used as it
// is, without the network; otherwise each wanted file comes from the download cache or is downloaded into it
// (resumably, LFS files verified against their sha256), and the snapshot folder and its manifest are written.
import { readFile } from 'node:fs/promises';
import { cachedResumableContent } from '../ingest/download-cache.ts';
import { listRevisionFiles, offlineHint, resolveFileUrl, type HubConnection, type HubFileEntry } from './hub-api.ts';
import { planModelFiles, SAFETENSORS_INDEX, shardsFromIndex, type FileSource } from './model-files.ts';
import { assertHubModelRef, describeRef, hubAuthHeaders, hubEndpoint, type HubModelRef } from './model-ref.ts';
import { readCompleteSnapshot, snapshotFolder, writeSnapshot, type Snapshot, type SnapshotFile } from './snapshot-store.ts';

export interface ModelSnapshotHooks {
  signal: AbortSignal;
  /** Bytes of `file` received so far (a resumed file starts at what was kept) and its size when known. */
  onProgress?(file: string, receivedBytes: number, totalBytes: number | null): void;
  /** The hub's address; HF_ENDPOINT, then https://huggingface.co, when absent. */
  endpoint?: string;
  /** Where HF_ENDPOINT and HF_TOKEN are read (process.env when absent). */
  env?: NodeJS.ProcessEnv;
}

type FetchedFile = SnapshotFile & { cachedPath: string; downloaded: boolean };

/** The snapshot folder of the pinned revision, downloading what is missing. `downloaded`: whether any file came over the network. */
export async function modelSnapshot(dataDir: string, ref: HubModelRef, hooks: ModelSnapshotHooks): Promise<Snapshot & { downloaded: boolean }> {
  assertHubModelRef(ref);
  const complete = await readCompleteSnapshot(dataDir, ref);
  if (complete) return { folder: snapshotFolder(dataDir, ref), files: complete.files, downloaded: false };
  const env = hooks.env ?? process.env;
  const hub: HubConnection = { endpoint: hubEndpoint(hooks.endpoint, env), headers: hubAuthHeaders(env), ref, signal: hooks.signal };
  const source: FileSource = { kind: 'hub', describe: describeRef(ref) };
  // Only the repo's top folder is a model folder; files in sub-folders (onnx/, checkpoints) are not taken.
  const entries = new Map((await listRevisionFiles(hub)).filter((entry) => !entry.name.includes('/')).map((entry) => [entry.name, entry]));
  const plan = planModelFiles([...entries.keys()], source);
  const fetched: FetchedFile[] = [];
  for (const name of plan.files) fetched.push(await fetchFile(dataDir, hub, entries.get(name)!, hooks));
  if (plan.sharded) {
    const index = fetched.find((file) => file.name === SAFETENSORS_INDEX)!;
    for (const shard of shardsFromIndex(await readFile(index.cachedPath, 'utf8'), source)) {
      const entry = entries.get(shard);
      if (!entry) throw new Error(`hub repo ${describeRef(ref)}: ${SAFETENSORS_INDEX} names the shard ${shard}, which this revision does not have; the repo is incomplete at this commit: pin another revision`);
      fetched.push(await fetchFile(dataDir, hub, entry, hooks));
    }
  }
  const snapshot = await writeSnapshot(dataDir, ref, 'hub', fetched);
  return { ...snapshot, downloaded: fetched.some((file) => file.downloaded) };
}

async function fetchFile(dataDir: string, hub: HubConnection, entry: HubFileEntry, hooks: ModelSnapshotHooks): Promise<FetchedFile> {
  const stored = await cachedResumableContent(
    dataDir,
    {
      url: resolveFileUrl(hub, entry.name),
      ...(entry.sha256 ? { sha256: entry.sha256 } : {}),
      ...(entry.bytes !== null ? { bytes: entry.bytes } : {}),
      headers: hub.headers,
      label: `${entry.name} of hub repo ${describeRef(hub.ref)}`,
      offlineHint: offlineHint(hub.ref),
    },
    { signal: hooks.signal, onProgress: (received, total) => hooks.onProgress?.(entry.name, received, total) },
  );
  return { name: entry.name, sha256: stored.sha256, bytes: stored.bytes, cachedPath: stored.path, downloaded: stored.downloaded };
}
