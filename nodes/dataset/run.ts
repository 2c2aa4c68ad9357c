// Engine side of the dataset node. Its content fingerprint (the cache key's view of the source files) is real now;
// reading, cleaning and splitting land with the dataset and tokenizer work.
import { NotImplementedYetError, type NodeRunModule } from '../../app/nodes/run-contract.ts';
import type { z } from 'zod';
import { datasetFingerprint } from './fingerprint.ts';
import type { datasetConfig } from './spec.ts';

export const datasetRun: NodeRunModule<z.output<typeof datasetConfig>> = {
  type: 'dataset',
  fingerprint: datasetFingerprint,
  run: async () => {
    throw new NotImplementedYetError('dataset', 'reading, cleaning and splitting corpora land with the dataset/tokenizer issue (#4)');
  },
};
