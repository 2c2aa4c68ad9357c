// The two error measures of the PyTorch parity tests: an element-wise relative error with a per-tensor floor
// (for the loss, logits and gradients) and a norm-wise relative error (for weights after AdamW steps).

/**
 * Below FLOOR_FRACTION of a tensor's largest |expected|, an element's error is divided by that floor rather than by
 * its own magnitude: float32 sums that nearly cancel carry rounding error proportional to their terms, not to
 * their result, so dividing by a near-zero result would measure cancellation rather than a bug.
 */
export const FLOOR_FRACTION = 1e-2;

export interface ElementError {
  /** max_i |actual_i - expected_i| / max(|expected_i|, FLOOR_FRACTION * max_j |expected_j|). */
  error: number;
  /** Where the largest error is. */
  index: number;
  actual: number;
  expected: number;
}

export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): ElementError {
  assertSameLength(actual, expected);
  let largest = 0;
  for (let index = 0; index < expected.length; index++) largest = Math.max(largest, Math.abs(expected[index] as number));
  const floor = FLOOR_FRACTION * largest || Number.MIN_VALUE;
  const worst: ElementError = { error: 0, index: -1, actual: Number.NaN, expected: Number.NaN };
  for (let index = 0; index < expected.length; index++) {
    const [a, b] = [actual[index] as number, expected[index] as number];
    const error = Number.isNaN(a) ? Infinity : Math.abs(a - b) / Math.max(Math.abs(b), floor);
    if (error > worst.error || worst.index === -1) Object.assign(worst, { error, index, actual: a, expected: b });
  }
  return worst;
}

/**
 * ||actual - expected||_2 / ||expected||_2. Used for weights after AdamW steps: Adam divides each gradient element
 * by its own running RMS, so an element whose exact gradient is (nearly) zero, such as a key bias (softmax ignores
 * a constant added to a row of scores), steps by amplified rounding noise in any float32 implementation.
 */
export function normRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assertSameLength(actual, expected);
  let [difference, reference] = [0, 0];
  for (let index = 0; index < expected.length; index++) {
    const [a, b] = [actual[index] as number, expected[index] as number];
    difference += (a - b) * (a - b);
    reference += b * b;
  }
  const error = Math.sqrt(difference) / (Math.sqrt(reference) || Number.MIN_VALUE);
  return Number.isNaN(error) ? Infinity : error;
}

function assertSameLength(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  if (actual.length !== expected.length) throw new Error(`relative error: ${actual.length} values compared with ${expected.length}`);
}
