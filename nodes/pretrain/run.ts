// Engine side of the pretrain node. Training lands with the training-core work.
import { notImplementedRun } from '../shared/not-implemented.ts';

export const pretrainRun = notImplementedRun('pretrain', 'GPT training through ONNX Runtime lands with the training-core issue (#3)');
