// The last few key parts of each node per pipeline, under <dataDir>/history/, so a cache miss can say what changed.
// One JSON file per (pipeline, node), replaced atomically; a missing or unreadable file just means "no history".
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from './atomic-json.ts';
import type { CacheKeyParts } from './cache-key.ts';

export interface CacheHistoryEntry {
  key: string;
  parts: CacheKeyParts;
  /** ISO time the node last produced or reused an artifact with this key. */
  at: string;
}

const ENTRIES_KEPT = 5;

const partsSchema = z.object({
  type: z.string(),
  typeVersion: z.number(),
  config: z.record(z.string(), z.unknown()),
  inputKeys: z.record(z.string(), z.array(z.string())),
  fingerprint: z.string().optional(),
});
const historyFileSchema = z.object({
  pipelineId: z.string(),
  nodeId: z.string(),
  entries: z.array(z.object({ key: z.string(), parts: partsSchema, at: z.string() })),
});

export class CacheHistory {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'history');
  }

  /** The most recent entry, or undefined when the node never finished in this pipeline. */
  async latest(pipelineId: string, nodeId: string): Promise<CacheHistoryEntry | undefined> {
    return (await this.entries(pipelineId, nodeId))[0];
  }

  /** Newest first. */
  async entries(pipelineId: string, nodeId: string): Promise<CacheHistoryEntry[]> {
    let text: string;
    try {
      text = await readFile(this.fileFor(pipelineId, nodeId), 'utf8');
    } catch {
      return [];
    }
    try {
      const file = historyFileSchema.parse(JSON.parse(text));
      return file.pipelineId === pipelineId && file.nodeId === nodeId ? file.entries : [];
    } catch {
      return [];
    }
  }

  async record(pipelineId: string, nodeId: string, key: string, parts: CacheKeyParts): Promise<void> {
    const previous = (await this.entries(pipelineId, nodeId)).filter((entry) => entry.key !== key);
    const entries = [{ key, parts, at: new Date().toISOString() }, ...previous].slice(0, ENTRIES_KEPT);
    await writeJsonAtomic(this.fileFor(pipelineId, nodeId), { pipelineId, nodeId, entries });
  }

  /** Pipeline ids are often file paths, so they are hashed into a folder name. */
  private fileFor(pipelineId: string, nodeId: string): string {
    const folder = createHash('sha256').update(pipelineId).digest('hex').slice(0, 32);
    return path.join(this.root, folder, `${encodeURIComponent(nodeId)}.json`);
  }
}

export function openCacheHistory(dataDir: string): CacheHistory {
  return new CacheHistory(dataDir);
}
