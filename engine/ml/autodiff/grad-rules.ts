// The gradient rule table: one readable rule per differentiable op, assembled from rules/.
// Ops missing here (Equal, Shape, ...) have no float gradient; backward() reports them if one is ever on the path.

import type { GradRuleTable } from './grad-context.ts';
import { elementwiseGradRules } from './rules/elementwise.ts';
import { indexingGradRules } from './rules/indexing.ts';
import { layoutGradRules } from './rules/layout.ts';
import { nnGradRules } from './rules/nn.ts';
import { reduceGradRules } from './rules/reduce.ts';

export const gradRules: GradRuleTable = {
  ...elementwiseGradRules,
  ...reduceGradRules,
  ...layoutGradRules,
  ...indexingGradRules,
  ...nnGradRules,
};
