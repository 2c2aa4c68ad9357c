// The tokenizer node's cache fingerprint: for `pretrained`, the content of the tokenizer.json it loads (and of the
// tokenizer_config.json beside it), so replacing that file re-runs the node although its path did not change.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { FingerprintContext } from '../../app/nodes/run-contract.ts';
import type { tokenizerConfig } from './spec.ts';

/** Trained tokenizers depend on config and corpus only (both already in the cache key): their fingerprint is empty. */
export async function tokenizerFingerprint(context: FingerprintContext<z.output<typeof tokenizerConfig>>): Promise<string> {
  if (context.config.kind !== 'pretrained') return '';
  const digest = createHash('sha256');
  for (const file of [context.config.path, path.join(path.dirname(context.config.path), 'tokenizer_config.json')]) {
    // A missing file hashes as absent; the run itself then fails with a message naming it.
    const content = await readFile(file).catch(() => null);
    digest.update(`${path.basename(file)}\0${content === null ? 'absent' : createHash('sha256').update(content).digest('hex')}\n`);
  }
  return digest.digest('hex');
}
