// Picking a pool member for one request: least outstanding requests relative to weight, ties broken at random.
// Pure: the caller says who is available and how loaded each is.

export interface RouteCandidate {
  /** Requests in flight on it (for a local deployment: running + queued). */
  outstanding: number;
  weight: number;
}

/**
 * The candidate whose (outstanding + 1) / weight is lowest: the load it would have with this request, per unit of
 * weight. So an idle pool spreads by weight (a weight-2 member takes two for every one), and a slow member that piles
 * up requests gets fewer. Equal scores are chosen between uniformly with `random`. Null for an empty list.
 */
export function pickLeastLoaded<Candidate extends RouteCandidate>(candidates: readonly Candidate[], random: () => number = Math.random): Candidate | null {
  let best: Candidate[] = [];
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const score = (candidate.outstanding + 1) / candidate.weight;
    if (score < bestScore - 1e-9) {
      best = [candidate];
      bestScore = score;
    } else if (Math.abs(score - bestScore) <= 1e-9) {
      best.push(candidate);
    }
  }
  if (best.length === 0) return null;
  return best[Math.min(best.length - 1, Math.floor(random() * best.length))]!;
}
