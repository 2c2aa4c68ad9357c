// Test support: the matrix work of a training step graph, to show what freezing base weights saves (LoRA skips every
// base dW product). Counts the graph's MatMul/FusedMatMul/Gemm nodes and their multiply-accumulates from the shapes.

import { intAttr } from '../../graph/attributes.ts';
import type { ModelFamily } from '../../train/step/model-family.ts';
import { buildStepGraphs, type StepGraphOptions } from '../../train/step/step-graphs.ts';

/**
 * The multiply-accumulates of every MatMul/FusedMatMul/Gemm in the fused step graph, and how many products output a
 * tensor shaped like one of GPT-2's 2-D weights.
 */
export function productWork(family: ModelFamily, trainable: readonly string[] | undefined, options: StepGraphOptions): { macs: number; products: number; weightShaped: number } {
  const graphs = buildStepGraphs(family, { ...options, dtype: 'float32', trainable });
  if (graphs.kind !== 'fused') throw new Error('one micro-batch builds the fused step');
  const weightShapes = new Set(family.parameters.filter((spec) => spec.shape.length === 2 && !spec.name.includes('.lora_')).map((spec) => spec.shape.join('x')));
  let [macs, products, weightShaped] = [0, 0, 0];
  for (const node of graphs.step.nodes) {
    if (!['MatMul', 'FusedMatMul', 'Gemm'].includes(node.opType)) continue;
    const [a, output] = [node.inputs[0]?.shape as number[], node.outputs[0]?.shape as number[]];
    const inner = intAttr(node.attributes, 'transA', 0, node.opType) === 1 ? a[a.length - 2] : a[a.length - 1];
    macs += output.reduce((product, dim) => product * dim, 1) * (inner as number);
    products++;
    if (weightShapes.has(output.join('x'))) weightShaped++;
  }
  return { macs, products, weightShaped };
}
