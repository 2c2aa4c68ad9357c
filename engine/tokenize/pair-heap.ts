// A max-heap of (count, left id, right id) for BPE training. Ties on count go to the smaller left id, then the
// smaller right id: ids follow creation order, so the earlier-made pair wins, deterministically.

export interface PairEntry {
  count: number;
  left: number;
  right: number;
}

export class PairHeap {
  private readonly counts: number[] = [];
  private readonly lefts: number[] = [];
  private readonly rights: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  push(count: number, left: number, right: number): void {
    this.counts.push(count);
    this.lefts.push(left);
    this.rights.push(right);
    this.siftUp(this.counts.length - 1);
  }

  /** Removes and returns the best entry; the heap must not be empty. */
  pop(): PairEntry {
    const top = { count: this.counts[0] as number, left: this.lefts[0] as number, right: this.rights[0] as number };
    const lastIndex = this.counts.length - 1;
    this.moveEntry(lastIndex, 0);
    this.counts.pop();
    this.lefts.pop();
    this.rights.pop();
    if (this.counts.length > 0) this.siftDown(0);
    return top;
  }

  private isBetter(a: number, b: number): boolean {
    const countA = this.counts[a] as number;
    const countB = this.counts[b] as number;
    if (countA !== countB) return countA > countB;
    const leftA = this.lefts[a] as number;
    const leftB = this.lefts[b] as number;
    if (leftA !== leftB) return leftA < leftB;
    return (this.rights[a] as number) < (this.rights[b] as number);
  }

  private siftUp(start: number): void {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.isBetter(index, parent)) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private siftDown(start: number): void {
    let index = start;
    for (;;) {
      const leftChild = index * 2 + 1;
      if (leftChild >= this.counts.length) return;
      const rightChild = leftChild + 1;
      const bestChild = rightChild < this.counts.length && this.isBetter(rightChild, leftChild) ? rightChild : leftChild;
      if (!this.isBetter(bestChild, index)) return;
      this.swap(index, bestChild);
      index = bestChild;
    }
  }

  private moveEntry(from: number, to: number): void {
    this.counts[to] = this.counts[from] as number;
    this.lefts[to] = this.lefts[from] as number;
    this.rights[to] = this.rights[from] as number;
  }

  private swap(a: number, b: number): void {
    swapIn(this.counts, a, b);
    swapIn(this.lefts, a, b);
    swapIn(this.rights, a, b);
  }
}

function swapIn(values: number[], a: number, b: number): void {
  const kept = values[a] as number;
  values[a] = values[b] as number;
  values[b] = kept;
}
