// The warning before a run that will not fit in this machine's memory: each node whose spec estimates its memory
// (training nodes on the CPU) is compared with the machine's physical memory. The engine runs it (it knows the
// machine); the studio shows what the engine's validate returns. Weights and optimizer state that exceed memory
// cannot train; activations that exceed it make the trainer split each batch into chunks (slower, but it fits).
import { factsContextFor } from '../nodes/facts-context.ts';
import type { NodeRegistry } from '../nodes/registry.ts';
import type { Pipeline } from '../pipeline/schema.ts';
import { formatBytes } from '../text/format-quantity.ts';
import type { ValidationProblem } from './problems.ts';

/** Memory a run may count on besides what it needs: the OS, the engine and the studio. */
export const MEMORY_HEADROOM_FRACTION = 0.1;

export function checkMemoryFit(pipeline: Pipeline, registry: NodeRegistry, machineMemoryBytes: number): ValidationProblem[] {
  const usable = machineMemoryBytes * (1 - MEMORY_HEADROOM_FRACTION);
  const problems: ValidationProblem[] = [];
  for (const node of pipeline.nodes) {
    const spec = registry.get(node.type);
    const parsed = spec?.memoryEstimate && spec.config.safeParse(node.config);
    if (!spec?.memoryEstimate || !parsed?.success) continue;
    const estimate = spec.memoryEstimate(parsed.data, factsContextFor(pipeline, node.id));
    if (estimate === undefined) continue;
    const need = `needs about ${formatBytes(estimate.fixedBytes + estimate.activationBytes)} (${formatBytes(estimate.fixedBytes)} weights, gradients and AdamW state + ${formatBytes(estimate.activationBytes)} activations)`;
    const have = `this machine has ${formatBytes(machineMemoryBytes)} of memory`;
    if (estimate.fixedBytes > usable) {
      problems.push({ node: node.id, code: 'memory_exceeds_machine', severity: 'warning', message: `will not fit: it ${need} and ${have}. Make the model smaller (nLayer, nEmbd) or train on a GPU` });
    } else if (estimate.fixedBytes + estimate.activationBytes > usable) {
      problems.push({ node: node.id, code: 'memory_exceeds_machine', severity: 'warning', message: `${need}, more than ${have}: each batch will be split into chunks, which is slower. Lower batchSize or blockSize to train at full speed` });
    }
  }
  return problems;
}
