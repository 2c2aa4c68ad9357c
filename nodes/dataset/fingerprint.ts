// The dataset's cache fingerprint: a hash of its sources' content, so editing a source file re-runs the node even
// though its config did not change. URLs pinned by sha256 contribute that hash without touching the network.
import { createHash } from 'node:crypto';
import type { FingerprintContext } from '../../app/nodes/run-contract.ts';
import type { z } from 'zod';
import type { datasetConfig } from './spec.ts';
import { hashSourceFile } from './source-digests.ts';
import { listSourceFiles } from './sources.ts';

export async function datasetFingerprint(context: FingerprintContext<z.output<typeof datasetConfig>>): Promise<string> {
  const digest = createHash('sha256');
  for (const source of context.config.sources) {
    if ('url' in source) {
      // An unpinned URL can change at any time; its address alone is the best we can hash before downloading.
      digest.update(`url\0${source.url}\0${source.sha256 ?? 'unpinned'}\n`);
      continue;
    }
    for (const file of (await listSourceFiles(source)).files) {
      if (context.signal.aborted) throw new Error('cancelled');
      digest.update(`file\0${file}\0${await hashSourceFile(file)}\n`);
    }
  }
  return digest.digest('hex');
}
