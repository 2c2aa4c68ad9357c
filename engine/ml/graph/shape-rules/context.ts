// What a shape rule receives, plus the checks every rule shares (input present, dtypes, known int lists).
// Errors start with the op type and show the shapes involved, so a bad graph is found where it is built.

import { isFloatDType, type DType } from '../../onnx/data-types.ts';
import type { Attributes } from '../attributes.ts';
import { formatShape, type Dim } from '../dims.ts';
import type { OpType } from '../op-types.ts';
import type { ValueType } from '../value.ts';

export interface ShapeContext {
  opType: OpType;
  inputs: readonly (ValueType | null)[];
  attributes: Attributes;
  /** How many outputs the caller asked for (ops such as LayerNormalization have optional ones). */
  outputCount: number;
}

export type ShapeRule = (context: ShapeContext) => ValueType[];

export function inputAt(context: ShapeContext, index: number, role: string): ValueType {
  const input = context.inputs[index];
  if (input === undefined || input === null) throw new Error(`${context.opType}: input ${index} (${role}) is required`);
  return input;
}

export function optionalInputAt(context: ShapeContext, index: number): ValueType | undefined {
  return context.inputs[index] ?? undefined;
}

export function describeInputs(context: ShapeContext): string {
  return context.inputs.map((input) => (input === null ? '-' : `${input.dtype}${formatShape(input.shape)}`)).join(', ');
}

export function requireSameDType(context: ShapeContext, values: readonly ValueType[]): DType {
  const first = values[0];
  if (first === undefined) throw new Error(`${context.opType}: needs at least one input`);
  if (values.some((value) => value.dtype !== first.dtype)) {
    throw new Error(`${context.opType}: inputs must share one dtype, got ${describeInputs(context)}`);
  }
  return first.dtype;
}

export function requireFloat(context: ShapeContext, value: ValueType, role: string): void {
  if (!isFloatDType(value.dtype)) throw new Error(`${context.opType}: ${role} must be float32 or float64, got ${value.dtype}`);
}

/** The build-time integer contents of an int64 input (axes, shapes, starts), which must be fully numeric. */
export function knownIntsAt(context: ShapeContext, index: number, role: string): number[] {
  const dims = knownDimsAt(context, index, role);
  if (dims.some((dim) => typeof dim !== 'number')) {
    throw new Error(`${context.opType}: ${role} must be numeric at build time, got [${dims.join(',')}]`);
  }
  return dims as number[];
}

/** Like knownIntsAt but symbolic entries (from Shape of a symbolic value) are allowed. */
export function knownDimsAt(context: ShapeContext, index: number, role: string): readonly Dim[] {
  const input = inputAt(context, index, role);
  if (input.dtype !== 'int64') throw new Error(`${context.opType}: ${role} must be int64, got ${input.dtype}`);
  if (input.known === undefined) {
    throw new Error(`${context.opType}: ${role} must be known while building (a constant or a Shape output)`);
  }
  return input.known;
}

export function sameAsInput(context: ShapeContext): ValueType[] {
  const input = inputAt(context, 0, 'X');
  return [{ dtype: input.dtype, shape: input.shape }];
}
