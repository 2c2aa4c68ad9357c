// onnxruntime-node, loaded on first use: its native binding would otherwise cost every CLI command, the engine's start
// and every worker that never runs a model.
import type * as Ort from 'onnxruntime-node';
import { lazyRequire } from '../../lazy-require.ts';

export const ort = lazyRequire<typeof Ort>('onnxruntime-node');
