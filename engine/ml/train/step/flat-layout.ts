// The trainable parameters packed into flat buffers, one per AdamW group (weight-decayed tensors, and the rest), so
// the step updates each group with a handful of large element-wise ops and feeds a few tensors, not hundreds.

import { elementCountOf, type HostTensor } from '../../tensor/host-tensor.ts';
import type { FloatDType, ParameterSpec } from './model-family.ts';

export type FlatGroupName = 'decay' | 'plain';

export interface FlatEntry {
  name: string;
  shape: readonly number[];
  /** Element offset inside the group's buffer. */
  offset: number;
  size: number;
}

export interface FlatGroup {
  name: FlatGroupName;
  decays: boolean;
  size: number;
  entries: FlatEntry[];
}

export interface FlatLayout {
  /** The groups that hold at least one parameter. */
  groups: FlatGroup[];
  /** Parameter name -> its group and entry, in spec order. */
  byName: Map<string, { group: FlatGroup; entry: FlatEntry }>;
}

export function flatLayout(specs: readonly ParameterSpec[]): FlatLayout {
  const groups: FlatGroup[] = [
    { name: 'decay', decays: true, size: 0, entries: [] },
    { name: 'plain', decays: false, size: 0, entries: [] },
  ];
  const byName = new Map<string, { group: FlatGroup; entry: FlatEntry }>();
  for (const spec of specs) {
    const group = groups[spec.decays ? 0 : 1] as FlatGroup;
    const entry: FlatEntry = { name: spec.name, shape: spec.shape, offset: group.size, size: elementCountOf(spec.shape) };
    group.entries.push(entry);
    group.size += entry.size;
    byName.set(spec.name, { group, entry });
  }
  return { groups: groups.filter((group) => group.size > 0), byName };
}

export type FloatArray = Float32Array | Float64Array;

export function newFloatArray(dtype: FloatDType, size: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
}

/** Copies each named tensor of `tensors` into its place in a fresh buffer per group. */
export function packGroups(layout: FlatLayout, tensors: ReadonlyMap<string, HostTensor>, dtype: FloatDType, where: string): Map<FlatGroupName, FloatArray> {
  const buffers = new Map<FlatGroupName, FloatArray>();
  for (const group of layout.groups) {
    const buffer = newFloatArray(dtype, group.size);
    for (const entry of group.entries) {
      const tensor = tensors.get(entry.name);
      if (tensor === undefined || tensor.dtype !== dtype || tensor.data.length !== entry.size) {
        throw new Error(`${where}: "${entry.name}" is missing or is not ${dtype} [${entry.shape.join(',')}]`);
      }
      buffer.set(tensor.data as FloatArray, entry.offset);
    }
    buffers.set(group.name, buffer);
  }
  return buffers;
}

/** Copies every entry out of the group buffers into its own tensor (spec order), keyed by `nameOf(parameter name)`. */
export function unpackGroups(layout: FlatLayout, buffers: ReadonlyMap<FlatGroupName, FloatArray>, dtype: FloatDType, nameOf: (parameter: string) => string = (name) => name): Map<string, HostTensor> {
  const tensors = new Map<string, HostTensor>();
  for (const [name, { group, entry }] of layout.byName) {
    const buffer = buffers.get(group.name) as FloatArray;
    tensors.set(nameOf(name), { dtype, shape: entry.shape, data: buffer.slice(entry.offset, entry.offset + entry.size) });
  }
  return tensors;
}
