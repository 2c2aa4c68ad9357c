// Engine side of the distill node. Distillation lands with the distill/quantize work.
import { notImplementedRun } from '../shared/not-implemented.ts';

export const distillRun = notImplementedRun('distill', 'distillation lands with the distill and quantize issue (#6)');
