// What to say about a node type Crucible does not know. Such a type is nearly always a typo in a hand-edited file
// ("pretrian", "Deploy", "api_endpoint"), so the closest known type is suggested; with none close, the known types
// are listed. Validation and the studio's inspector say the same thing.

/** Edits (insert, delete, replace, swap two neighbours) a typo may be away from the type it meant. */
const MAX_TYPO_EDITS = 2;

/** `did you mean "pretrain"?` when a known type is close to `type`, else `the known types are dataset, ….` (a clause ending its sentence). */
export function nodeTypeSuggestion(type: string, knownTypes: readonly string[]): string {
  const closest = closestName(type, knownTypes);
  if (closest !== null) return `did you mean "${closest}"?`;
  return knownTypes.length === 0 ? 'no node types are known.' : `the known types are ${knownTypes.join(', ')}.`;
}

/**
 * The known name a typo most likely meant: the fewest edits away, ignoring case, at most MAX_TYPO_EDITS and fewer
 * than half the name (so a short name is not "corrected" into an unrelated one); the first in `known` on a tie.
 */
export function closestName(name: string, known: readonly string[]): string | null {
  const limit = Math.min(MAX_TYPO_EDITS, Math.floor(name.length / 2));
  let best: { name: string; edits: number } | null = null;
  for (const candidate of known) {
    const edits = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (edits <= limit && (best === null || edits < best.edits)) best = { name: candidate, edits };
  }
  return best?.name ?? null;
}

/** Optimal string alignment distance: Levenshtein plus the swap of two neighbouring characters as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let edits = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) edits = Math.min(edits, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = edits;
    }
  }
  return rows[a.length]![b.length]!;
}
