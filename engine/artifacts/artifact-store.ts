// Content-addressed artifacts under <dataDir>/artifacts/<key>/: the files plus an artifact.json written last.
// Nodes write into a staging folder that is renamed into place in one step, so a key folder is always complete.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ARTIFACT_RECORD_FILE, ARTIFACT_STORE_FOLDER, type ArtifactFact, type ArtifactSummary } from '../../app/protocol/run-events.ts';
import { isProcessAlive } from '../process-alive.ts';
import { folderSizeBytes } from './folder-size.ts';

export { ARTIFACT_RECORD_FILE };
const STAGING_FOLDER = '.staging';
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const PORT_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/;

const artifactRecordSchema = z.object({
  key: z.string(),
  type: z.string(),
  port: z.string(),
  nodeType: z.string(),
  nodeId: z.string(),
  runId: z.string(),
  meta: z.record(z.string(), z.unknown()),
  bytes: z.number(),
  createdAt: z.string(),
});
export type ArtifactRecord = z.output<typeof artifactRecordSchema>;

export interface StoredArtifact {
  record: ArtifactRecord;
  /** Absolute folder holding the artifact's files. */
  path: string;
}

/** A private folder one node run writes its outputs into, one subfolder per port. */
export interface StagingArea {
  dir: string;
  /** Creates (if needed) and returns the folder for a port's files. */
  outputDir(port: string): string;
}

export class ArtifactStore {
  readonly root: string;
  readonly stagingRoot: string;

  constructor(root: string) {
    this.root = root;
    this.stagingRoot = path.join(root, STAGING_FOLDER);
  }

  pathOf(key: string): string {
    if (!KEY_PATTERN.test(key)) throw new Error(`artifact key "${key}" is not valid: use letters, digits, "_" and "-" only`);
    return path.join(this.root, key);
  }

  /** The artifact, or null when the key folder is missing or has no valid artifact.json. */
  async get(key: string): Promise<StoredArtifact | null> {
    if (!KEY_PATTERN.test(key)) return null;
    const folder = path.join(this.root, key);
    try {
      const record = artifactRecordSchema.parse(JSON.parse(await readFile(path.join(folder, ARTIFACT_RECORD_FILE), 'utf8')));
      return record.key === key ? { record, path: folder } : null;
    } catch {
      return null;
    }
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== null;
  }

  async list(): Promise<StoredArtifact[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const found = await Promise.all(names.filter((name) => name !== STAGING_FOLDER).map((name) => this.get(name)));
    return found.filter((artifact): artifact is StoredArtifact => artifact !== null);
  }

  /** A fresh staging area named after this process, so a later open can tell abandoned ones apart. */
  async stage(): Promise<StagingArea> {
    const dir = path.join(this.stagingRoot, `${process.pid}-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return { dir, outputDir: (port) => stagedPortDir(dir, port) };
  }

  /**
   * Seals a staged port folder as the artifact `record.key`: writes artifact.json last, then renames the folder into
   * place. If the key already exists (another run got there first) the staged copy is dropped and the existing one
   * kept, unless `replace` is set (a forced re-run), which swaps the new folder in.
   */
  async commit(staging: StagingArea, record: Omit<ArtifactRecord, 'bytes' | 'createdAt'>, options: { replace?: boolean } = {}): Promise<StoredArtifact> {
    const staged = staging.outputDir(record.port);
    const final = this.pathOf(record.key);
    const full: ArtifactRecord = { ...record, bytes: await folderSizeBytes(staged), createdAt: new Date().toISOString() };
    await writeFile(path.join(staged, ARTIFACT_RECORD_FILE), `${JSON.stringify(full, null, 2)}\n`);
    const existing = await this.get(record.key);
    if (existing && !options.replace) {
      await rm(staged, { recursive: true, force: true });
      return existing;
    }
    // Whatever sits at the key (an older artifact, or debris without a valid record) is moved aside first,
    // so the key folder is only ever absent or complete.
    await this.#moveAside(final, staging);
    try {
      await rename(staged, final);
    } catch (error) {
      const winner = await this.get(record.key);
      if (!winner) throw error;
      await rm(staged, { recursive: true, force: true });
      return winner;
    }
    return { record: full, path: final };
  }

  async #moveAside(folder: string, staging: StagingArea): Promise<void> {
    const aside = path.join(staging.dir, `.replaced-${randomBytes(4).toString('hex')}`);
    try {
      await rename(folder, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  async discard(staging: StagingArea): Promise<void> {
    await rm(staging.dir, { recursive: true, force: true });
  }

  /** Removes staging folders left by processes that no longer run (a crash or kill mid-write). */
  async removeAbandonedStaging(): Promise<string[]> {
    const names = await readdir(this.stagingRoot).catch(() => [] as string[]);
    const abandoned = names.filter((name) => !isProcessAlive(Number(name.split('-')[0])));
    await Promise.all(abandoned.map((name) => rm(path.join(this.stagingRoot, name), { recursive: true, force: true })));
    return abandoned;
  }
}

export function summarizeArtifact(artifact: StoredArtifact): ArtifactSummary {
  const { key, port, type, bytes, createdAt, meta, runId, nodeId } = artifact.record;
  const copiedTo = typeof meta.copiedTo === 'string' ? { copiedTo: meta.copiedTo } : {};
  const facts = factsOf(meta.facts);
  return { key, port, type, path: artifact.path, bytes, createdAt, madeBy: { runId, nodeId }, ...copiedTo, ...(facts.length > 0 ? { facts } : {}) };
}

/** The well-formed entries of a record's `meta.facts` (a few short strings each), so a run event stays small. */
function factsOf(value: unknown): ArtifactFact[] {
  if (!Array.isArray(value)) return [];
  const isText = (text: unknown, max: number): text is string => typeof text === 'string' && text.length <= max;
  return value
    .filter((fact): fact is ArtifactFact => typeof fact === 'object' && fact !== null && isText(fact.label, 80) && isText(fact.value, 200) && (fact.note === undefined || isText(fact.note, 500)))
    .slice(0, 16)
    .map(({ label, value: shown, note }) => (note === undefined ? { label, value: shown } : { label, value: shown, note }));
}

/** Opens (creating if needed) the store under <dataDir>/artifacts and clears abandoned staging folders. */
export async function openArtifactStore(dataDir: string): Promise<ArtifactStore> {
  const store = new ArtifactStore(path.join(dataDir, ARTIFACT_STORE_FOLDER));
  await mkdir(store.stagingRoot, { recursive: true });
  await store.removeAbandonedStaging();
  return store;
}

function stagedPortDir(stagingDir: string, port: string): string {
  if (!PORT_PATTERN.test(port)) throw new Error(`output port name "${port}" cannot be a folder name: use letters, digits, "_", "-" and "."`);
  const dir = path.join(stagingDir, port);
  // Synchronous because a node calls outputDir() and writes into it right away.
  mkdirSync(dir, { recursive: true });
  return dir;
}

