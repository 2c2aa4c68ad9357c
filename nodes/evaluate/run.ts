// Engine side of the evaluate node. Evaluation lands with the training-core work.
import { notImplementedRun } from '../shared/not-implemented.ts';

export const evaluateRun = notImplementedRun('evaluate', 'evaluation lands with the training-core issue (#3)');
