// The training step's state held as flat group buffers (parameters, Adam m and v per AdamW group), once when the step
// graph may overwrite what it reads (in-place-writes.ts), else twice: the step reads one set and ORT writes the next
// into the other. Either way no step allocates or copies the state in JavaScript.

import type { HostTensor } from '../../tensor/host-tensor.ts';
import { newFloatArray, packGroups, unpackGroups, type FlatGroupName, type FlatLayout, type FloatArray } from './flat-layout.ts';
import type { FloatDType } from './model-family.ts';
import { trainStepNames } from './step-names.ts';

/** The three per-group inputs of the step graphs, and how each names its per-parameter tensors in a checkpoint. */
const SLOTS = [
  { label: 'parameters', input: (group: FlatGroupName) => trainStepNames.flatParameters(group), perParameter: (name: string) => name },
  { label: 'Adam m', input: (group: FlatGroupName) => trainStepNames.firstMoment(trainStepNames.flatParameters(group)), perParameter: trainStepNames.firstMoment },
  { label: 'Adam v', input: (group: FlatGroupName) => trainStepNames.secondMoment(trainStepNames.flatParameters(group)), perParameter: trainStepNames.secondMoment },
] as const;

type Buffers = Map<string, FloatArray>;

/** The tensors a set of buffers is fed and written as; built once per set, since every step reads them. */
interface BufferViews {
  flat: Record<string, HostTensor>;
  parameters: Record<string, HostTensor>;
  outputs: Record<string, HostTensor>;
}

export class FlatStepState {
  private readonly views = new WeakMap<Buffers, BufferViews>();

  private constructor(
    private readonly layout: FlatLayout,
    private readonly dtype: FloatDType,
    private current: Buffers,
    /** Where the next state is written; null: over the current one (the graphs write in place). */
    private spare: Buffers | null,
  ) {}

  /**
   * Starts from `parameters` (every parameter of the layout, and maybe others) with zero moments. `inPlace` keeps one
   * set of buffers, for graphs proven to finish reading a buffer before they write its next value.
   */
  static fromParameters(layout: FlatLayout, parameters: ReadonlyMap<string, HostTensor>, dtype: FloatDType, options: { inPlace?: boolean } = {}): FlatStepState {
    const packed = packGroups(layout, parameters, dtype, 'train step');
    const current: Buffers = new Map();
    for (const group of layout.groups) {
      const [parameterSlot, ...momentSlots] = SLOTS;
      current.set(parameterSlot.input(group.name), packed.get(group.name) as FloatArray);
      for (const slot of momentSlots) current.set(slot.input(group.name), newFloatArray(dtype, group.size));
    }
    const spare: Buffers | null = options.inPlace === true ? null : new Map([...current].map(([name, buffer]) => [name, newFloatArray(dtype, buffer.length)]));
    return new FlatStepState(layout, dtype, current, spare);
  }

  /** The flat buffers, as the graphs that update them take them. */
  flatFeeds(): Record<string, HostTensor> {
    return this.viewsOf(this.current).flat;
  }

  /** Each parameter as a view into its group's buffer, as the forward pass reads it. */
  parameterFeeds(): Record<string, HostTensor> {
    return this.viewsOf(this.current).parameters;
  }

  /** Where a graph writes the next state ("new.<input>"): the spare set, or the buffers it reads. */
  outputs(): Record<string, HostTensor> {
    return this.viewsOf(this.spare ?? this.current).outputs;
  }

  /** Makes the state the step just wrote current. */
  advance(): void {
    if (this.spare !== null) [this.current, this.spare] = [this.spare, this.current];
  }

  parameters(): Map<string, HostTensor> {
    return this.unpack(SLOTS[0]);
  }

  /** Parameters and moments as separate tensors, named per parameter as checkpoints store them. */
  tensors(): Map<string, HostTensor> {
    return new Map(SLOTS.flatMap((slot) => [...this.unpack(slot)]));
  }

  /** `tensors()` as views into the current buffers, no copy: valid until the next step writes them. */
  tensorViews(): Map<string, HostTensor> {
    const views = new Map<string, HostTensor>();
    for (const slot of SLOTS) {
      for (const [name, { group, entry }] of this.layout.byName) {
        const buffer = this.current.get(slot.input(group.name)) as FloatArray;
        views.set(slot.perParameter(name), { dtype: this.dtype, shape: entry.shape, data: buffer.subarray(entry.offset, entry.offset + entry.size) });
      }
    }
    return views;
  }

  restore(tensors: ReadonlyMap<string, HostTensor>): void {
    const restored: Buffers = new Map();
    for (const slot of SLOTS) {
      const byParameter = new Map([...this.layout.byName.keys()].map((name) => [name, tensors.get(slot.perParameter(name)) as HostTensor]));
      for (const [group, buffer] of packGroups(this.layout, byParameter, this.dtype, `train step: the saved state's ${slot.label}`)) restored.set(slot.input(group), buffer);
    }
    this.current = restored;
  }

  private unpack(slot: (typeof SLOTS)[number]): Map<string, HostTensor> {
    const buffers = new Map(this.layout.groups.map((group) => [group.name, this.current.get(slot.input(group.name)) as FloatArray]));
    return unpackGroups(this.layout, buffers, this.dtype, slot.perParameter);
  }

  private viewsOf(buffers: Buffers): BufferViews {
    let views = this.views.get(buffers);
    if (views === undefined) {
      const parameters: Record<string, HostTensor> = {};
      for (const [name, { group, entry }] of this.layout.byName) {
        const buffer = buffers.get(SLOTS[0].input(group.name)) as FloatArray;
        parameters[name] = { dtype: this.dtype, shape: entry.shape, data: buffer.subarray(entry.offset, entry.offset + entry.size) };
      }
      views = { flat: this.asTensors(buffers, (name) => name), parameters, outputs: this.asTensors(buffers, trainStepNames.updated) };
      this.views.set(buffers, views);
    }
    return views;
  }

  private asTensors(buffers: Buffers, nameOf: (input: string) => string): Record<string, HostTensor> {
    return Object.fromEntries([...buffers].map(([name, data]) => [nameOf(name), { dtype: this.dtype, shape: [data.length], data }]));
  }
}
