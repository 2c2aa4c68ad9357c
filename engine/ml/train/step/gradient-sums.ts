// The running gradient sums of an accumulating step, one flat buffer per AdamW group, double-buffered like the state:
// each micro-step reads one set and ORT writes the new sum into the other. A step's first micro-step reads zeros.

import type { HostTensor } from '../../tensor/host-tensor.ts';
import { newFloatArray, type FlatLayout, type FloatArray } from './flat-layout.ts';
import type { FloatDType } from './model-family.ts';
import { trainStepNames } from './step-names.ts';

type Sums = Record<string, HostTensor>;

export class GradientSums {
  /** Never written: the sums before a step's first micro-batch. */
  private readonly zeros: Sums;
  private readonly written: [Sums, Sums];
  /** The same buffers as `written`, under the output names ("new.<input>"), built once rather than per micro-step. */
  private readonly targets: [Sums, Sums];
  private current: Sums;

  constructor(layout: FlatLayout, dtype: FloatDType) {
    const set = (): Sums => {
      const sums: Sums = {};
      for (const group of layout.groups) {
        const data: FloatArray = newFloatArray(dtype, group.size);
        sums[trainStepNames.gradientSum(trainStepNames.flatParameters(group.name))] = { dtype, shape: [group.size], data };
      }
      return sums;
    };
    this.zeros = set();
    this.written = [set(), set()];
    const asOutputs = (sums: Sums): Sums => Object.fromEntries(Object.entries(sums).map(([name, tensor]) => [trainStepNames.updated(name), tensor]));
    this.targets = [asOutputs(this.written[0]), asOutputs(this.written[1])];
    this.current = this.zeros;
  }

  /** Starts an optimizer step: the next micro-step adds to zeros. */
  reset(): void {
    this.current = this.zeros;
  }

  /** The sums so far, under the input names the micro-step and apply graphs read. */
  feeds(): Sums {
    return this.current;
  }

  /** Where the micro-step writes the new sums ("new.<input>"); never the set it reads. */
  outputs(): Sums {
    return this.current === this.written[0] ? this.targets[1] : this.targets[0];
  }

  /** Makes the sums the micro-step just wrote current. */
  advance(): void {
    this.current = this.current === this.written[0] ? this.written[1] : this.written[0];
  }
}
