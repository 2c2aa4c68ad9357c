// Engine side of the quantize node. Quantization lands with the distill/quantize work.
import { notImplementedRun } from '../shared/not-implemented.ts';

export const quantizeRun = notImplementedRun('quantize', 'quantization lands with the distill and quantize issue (#6)');
