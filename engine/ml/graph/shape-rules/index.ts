// The shape rule table: one entry per OpType, assembled from the grouped rule files.
// TypeScript checks that every op in op-types.ts has exactly one rule.

import type { OpType } from '../op-types.ts';
import type { ShapeRule } from './context.ts';
import { elementwiseShapeRules } from './elementwise.ts';
import { indexingShapeRules } from './indexing.ts';
import { layoutShapeRules } from './layout.ts';
import { nnShapeRules } from './nn.ts';
import { reduceShapeRules } from './reduce.ts';

export const shapeRules: Record<OpType, ShapeRule> = {
  ...elementwiseShapeRules,
  ...reduceShapeRules,
  ...layoutShapeRules,
  ...indexingShapeRules,
  ...nnShapeRules,
};
