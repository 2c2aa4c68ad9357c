// Dimension algebra for shape inference: fixed sizes, symbolic names ("B") and their products ("B*T").
// A product dim is a canonical string (coefficient first, symbols sorted) so equal products compare equal.

import type { Dim } from '../onnx/model-proto.ts';

export type { Dim } from '../onnx/model-proto.ts';
export type Shape = readonly Dim[];

/** A Slice end past any axis: slicing from a start to this keeps the rest of the axis, whatever its size. */
export const END_OF_AXIS = 2 ** 31 - 1;

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function isStaticShape(shape: Shape): shape is readonly number[] {
  return shape.every((dim) => typeof dim === 'number');
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((dim, index) => dim === b[index]);
}

/** Turns a possibly negative axis into 0..rank-1, or throws naming the op. */
export function normalizeAxis(opType: string, axis: number, rank: number): number {
  const normalized = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || normalized < 0 || normalized >= rank) {
    throw new Error(`${opType}: axis ${axis} is out of range for rank ${rank}`);
  }
  return normalized;
}

/** Numpy broadcasting of any number of shapes; symbolic dims must match exactly or meet a 1. */
export function broadcastShapes(opType: string, shapes: readonly Shape[]): Dim[] {
  const rank = Math.max(...shapes.map((shape) => shape.length));
  const result: Dim[] = [];
  for (let fromEnd = rank; fromEnd >= 1; fromEnd--) {
    let merged: Dim = 1;
    for (const shape of shapes) {
      const dim = shape[shape.length - fromEnd] ?? 1;
      if (dim === 1 || dim === merged) continue;
      if (merged !== 1) throw new Error(`${opType}: cannot broadcast ${shapes.map(formatShape).join(' with ')}`);
      merged = dim;
    }
    result.push(merged);
  }
  return result;
}

interface DimFactors {
  coefficient: number;
  symbols: string[];
}

/** Splits "2*B*T" into coefficient 2 and symbols [B, T]; parenthesized sums such as "(P+T)" stay whole. */
function factorsOf(dim: Dim): DimFactors {
  if (typeof dim === 'number') return { coefficient: dim, symbols: [] };
  const factors: DimFactors = { coefficient: 1, symbols: [] };
  let depth = 0;
  let start = 0;
  const take = (piece: string): void => {
    if (/^\d+$/.test(piece)) factors.coefficient *= Number(piece);
    else factors.symbols.push(piece);
  };
  for (let index = 0; index < dim.length; index++) {
    const char = dim[index];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '*' && depth === 0) {
      take(dim.slice(start, index));
      start = index + 1;
    }
  }
  take(dim.slice(start));
  return factors;
}

function dimFromFactors({ coefficient, symbols }: DimFactors): Dim {
  if (symbols.length === 0 || coefficient === 0) return coefficient;
  const sorted = [...symbols].sort();
  return coefficient === 1 ? sorted.join('*') : [String(coefficient), ...sorted].join('*');
}

/** The product of dims, e.g. [B, T] -> "B*T", [2, 3] -> 6. */
export function productOfDims(dims: readonly Dim[]): Dim {
  const merged: DimFactors = { coefficient: 1, symbols: [] };
  for (const dim of dims) {
    const factors = factorsOf(dim);
    merged.coefficient *= factors.coefficient;
    merged.symbols.push(...factors.symbols);
  }
  return dimFromFactors(merged);
}

/** product(numerator) / product(denominator), or undefined when it does not divide exactly. */
export function quotientOfDims(numerator: readonly Dim[], denominator: readonly Dim[]): Dim | undefined {
  const top = factorsOf(productOfDims(numerator));
  const bottom = factorsOf(productOfDims(denominator));
  if (bottom.coefficient === 0 || top.coefficient % bottom.coefficient !== 0) return undefined;
  const remaining = [...top.symbols];
  for (const symbol of bottom.symbols) {
    const index = remaining.indexOf(symbol);
    if (index < 0) return undefined;
    remaining.splice(index, 1);
  }
  return dimFromFactors({ coefficient: top.coefficient / bottom.coefficient, symbols: remaining });
}

/** a + b, folding numbers and like terms (T + T = 2*T); other symbolic sums become one opaque symbol "(P+T-1)". */
export function sumOfDims(dims: readonly Dim[]): Dim {
  let constant = 0;
  const coefficientBySymbols = new Map<string, number>();
  for (const dim of dims.flatMap(termsOfSum)) {
    const { coefficient, symbols } = factorsOf(dim);
    if (symbols.length === 0) {
      constant += coefficient;
      continue;
    }
    const key = [...symbols].sort().join('*');
    coefficientBySymbols.set(key, (coefficientBySymbols.get(key) ?? 0) + coefficient);
  }
  const terms = [...coefficientBySymbols]
    .filter(([, coefficient]) => coefficient !== 0)
    .map(([key, coefficient]) => dimFromFactors({ coefficient, symbols: key.split('*') }));
  if (terms.length === 0) return constant;
  if (terms.length === 1 && constant === 0) return terms[0] as Dim;
  const constantTerm = constant === 0 ? '' : constant > 0 ? `+${constant}` : `${constant}`;
  return `(${terms.join('+')}${constantTerm})`;
}

/** a − b where b is a term of the sum a ("(P+T)" − "T" = "P") or a itself (0); undefined otherwise. */
export function differenceOfDims(a: Dim, b: Dim): Dim | undefined {
  if (a === b) return 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const terms = termsOfSum(a);
  const index = terms.indexOf(b);
  return index < 0 ? undefined : sumOfDims(terms.filter((_, at) => at !== index));
}

/** The terms of a sum this module wrote, "(P+T-1)" -> ["P", "T", -1], so sums of sums fold; other dims as they are. */
function termsOfSum(dim: Dim): Dim[] {
  if (typeof dim === 'number' || !/^\([^()]*\)$/.test(dim)) return [dim];
  const terms = dim.slice(1, -1).split(/(?=[+-])/).map((term) => term.replace(/^\+/, ''));
  const foldable = terms.every((term) => /^-?\d+$/.test(term) || /^[^-+]+$/.test(term));
  return foldable ? terms.map((term) => (/^-?\d+$/.test(term) ? Number(term) : term)) : [dim];
}

export function elementCount(shape: Shape): Dim {
  return productOfDims(shape);
}
