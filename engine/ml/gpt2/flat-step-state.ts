// The training step's state held as flat group buffers (parameters, Adam m and v per AdamW group), twice: the step
// reads one set and ORT writes the next into the other, so no step allocates or copies the state in JavaScript.

import type { HostTensor } from '../tensor/host-tensor.ts';
import { packGroups, unpackGroups, type FlatGroupName, type FlatLayout, type FloatArray } from './flat-parameters.ts';
import type { ParameterSet } from './parameters.ts';
import { trainStepNames } from './train-step.ts';

/** The three per-group inputs of the step graph, and how each names its per-parameter tensors in a checkpoint. */
const SLOTS = [
  { label: 'parameters', input: (group: FlatGroupName) => trainStepNames.flatParameters(group), perParameter: (name: string) => name },
  { label: 'Adam m', input: (group: FlatGroupName) => trainStepNames.firstMoment(trainStepNames.flatParameters(group)), perParameter: trainStepNames.firstMoment },
  { label: 'Adam v', input: (group: FlatGroupName) => trainStepNames.secondMoment(trainStepNames.flatParameters(group)), perParameter: trainStepNames.secondMoment },
] as const;

type Buffers = Map<string, FloatArray>;

export class FlatStepState {
  private constructor(
    private readonly layout: FlatLayout,
    private readonly dtype: 'float32' | 'float64',
    private current: Buffers,
    private spare: Buffers,
  ) {}

  /** Starts from `parameters` with zero moments. */
  static fromParameters(layout: FlatLayout, parameters: ParameterSet, dtype: 'float32' | 'float64'): FlatStepState {
    const packed = packGroups(layout, parameters, dtype, 'gpt2 train step');
    const current: Buffers = new Map();
    for (const group of layout.groups) {
      const [parameterSlot, ...momentSlots] = SLOTS;
      current.set(parameterSlot.input(group.name), packed.get(group.name) as FloatArray);
      for (const slot of momentSlots) current.set(slot.input(group.name), newBuffer(dtype, group.size));
    }
    const spare: Buffers = new Map([...current].map(([name, buffer]) => [name, newBuffer(dtype, buffer.length)]));
    return new FlatStepState(layout, dtype, current, spare);
  }

  /** The state as step-graph feeds: the flat buffers, and each parameter as a view into its group's buffer. */
  feeds(): Record<string, HostTensor> {
    const feeds = this.asTensors(this.current, (name) => name);
    for (const [name, { group, entry }] of this.layout.byName) {
      const buffer = this.current.get(SLOTS[0].input(group.name)) as FloatArray;
      feeds[name] = { dtype: this.dtype, shape: entry.shape, data: buffer.subarray(entry.offset, entry.offset + entry.size) };
    }
    return feeds;
  }

  /** Where the step graph writes the next state ("new.<input>"). */
  outputs(): Record<string, HostTensor> {
    return this.asTensors(this.spare, trainStepNames.updated);
  }

  /** Makes the state the step just wrote current. */
  advance(): void {
    [this.current, this.spare] = [this.spare, this.current];
  }

  parameters(): ParameterSet {
    return this.unpack(SLOTS[0]);
  }

  /** Parameters and moments as separate tensors named as the per-parameter step graphs name them. */
  tensors(): ParameterSet {
    return new Map(SLOTS.flatMap((slot) => [...this.unpack(slot)]));
  }

  restore(tensors: ReadonlyMap<string, HostTensor>): void {
    const restored: Buffers = new Map();
    for (const slot of SLOTS) {
      const byParameter = new Map([...this.layout.byName.keys()].map((name) => [name, tensors.get(slot.perParameter(name)) as HostTensor]));
      for (const [group, buffer] of packGroups(this.layout, byParameter, this.dtype, `gpt2 train step: the saved state's ${slot.label}`)) restored.set(slot.input(group), buffer);
    }
    this.current = restored;
  }

  private unpack(slot: (typeof SLOTS)[number]): ParameterSet {
    const buffers = new Map(this.layout.groups.map((group) => [group.name, this.current.get(slot.input(group.name)) as FloatArray]));
    return unpackGroups(this.layout, buffers, this.dtype, slot.perParameter);
  }

  private asTensors(buffers: Buffers, nameOf: (input: string) => string): Record<string, HostTensor> {
    return Object.fromEntries([...buffers].map(([name, data]) => [nameOf(name), { dtype: this.dtype, shape: [data.length], data }]));
  }
}

function newBuffer(dtype: 'float32' | 'float64', size: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
}
