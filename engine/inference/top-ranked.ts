// The ids of the `count` largest values, largest first, ties in id order: the first `count` ids of a full sort by
// (value descending, id ascending), found in O(V + count·log count) so a step over a 50k vocabulary does not sort
// 50k ids per row. Quickselect finds the count-th largest value; only the ids at or above it are sorted.

/** `scratch` (at least values.length long) spares the quickselect its copy of the values. */
export function topRanked(values: Float64Array, count: number, scratch?: Float64Array): number[] {
  const n = values.length;
  const wanted = Math.max(0, Math.min(count, n));
  const byRank = (a: number, b: number) => values[b]! - values[a]! || a - b;
  if (wanted === 0) return [];
  if (wanted * 4 >= n) return Array.from(values.keys()).sort(byRank).slice(0, wanted);
  const selection = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Float64Array(n);
  selection.set(values);
  const threshold = kthLargest(selection, wanted);
  const above: number[] = [];
  const tied: number[] = [];
  for (let id = 0; id < n; id++) {
    const value = values[id]!;
    if (value > threshold) above.push(id);
    else if (value === threshold) tied.push(id);
  }
  return above.concat(tied.slice(0, wanted - above.length)).sort(byRank);
}

/** The k-th largest of `scratch` (1-based), reordering it in place (Hoare-style quickselect, middle pivot). */
function kthLargest(scratch: Float64Array, k: number): number {
  let low = 0;
  let high = scratch.length - 1;
  const target = k - 1; // index in descending order
  while (low < high) {
    const pivot = scratch[(low + high) >>> 1]!;
    let i = low;
    let j = high;
    while (i <= j) {
      while (scratch[i]! > pivot) i++;
      while (scratch[j]! < pivot) j--;
      if (i <= j) {
        const swap = scratch[i]!;
        scratch[i] = scratch[j]!;
        scratch[j] = swap;
        i++;
        j--;
      }
    }
    if (target <= j) high = j;
    else if (target >= i) low = i;
    else return scratch[target]!;
  }
  return scratch[target]!;
}
