// Picks the LSH banding (b bands of r rows, b·r ≤ signature length) for a similarity threshold by minimising the
// weighted areas of false positives below the threshold and false negatives above it, as datasketch does.
export interface Banding {
  bands: number;
  rows: number;
}

/** Candidates are verified against the signature estimate, so a missed pair costs more than an extra check. */
const FALSE_POSITIVE_WEIGHT = 0.3;
const FALSE_NEGATIVE_WEIGHT = 0.7;
const INTEGRATION_STEPS = 64;

/** Probability that two documents of similarity `s` share at least one band. */
export function candidateProbability(similarity: number, { bands, rows }: Banding): number {
  return 1 - (1 - similarity ** rows) ** bands;
}

export function chooseBanding(threshold: number, signatureLength: number): Banding {
  let best: Banding = { bands: 1, rows: signatureLength };
  let bestCost = Number.POSITIVE_INFINITY;
  for (let bands = 1; bands <= signatureLength; bands++) {
    for (let rows = 1; bands * rows <= signatureLength; rows++) {
      const banding = { bands, rows };
      const falsePositive = integrate((s) => candidateProbability(s, banding), 0, threshold);
      const falseNegative = integrate((s) => 1 - candidateProbability(s, banding), threshold, 1);
      const cost = FALSE_POSITIVE_WEIGHT * falsePositive + FALSE_NEGATIVE_WEIGHT * falseNegative;
      if (cost < bestCost) {
        bestCost = cost;
        best = banding;
      }
    }
  }
  return best;
}

function integrate(f: (x: number) => number, from: number, to: number): number {
  const step = (to - from) / INTEGRATION_STEPS;
  let area = 0;
  for (let index = 0; index < INTEGRATION_STEPS; index++) area += f(from + (index + 0.5) * step) * step;
  return area;
}
