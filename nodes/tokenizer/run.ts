// Engine side of the tokenizer node. Training and encoding land with the dataset and tokenizer work.
import { notImplementedRun } from '../shared/not-implemented.ts';

export const tokenizerRun = notImplementedRun('tokenizer', 'tokenizer training and encoding land with the dataset/tokenizer issue (#4)');
