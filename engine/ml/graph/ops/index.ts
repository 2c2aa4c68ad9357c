// All op builders in one import: `import * as op from '../graph/ops/index.ts'` then op.matMul(a, b).
// Each group lives in its own file; this file only re-exports them.

export * from './math.ts';
export * from './reduce.ts';
export * from './layout.ts';
export * from './indexing.ts';
export * from './nn.ts';
