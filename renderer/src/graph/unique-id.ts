// Picks ids for new nodes and edges: readable (`pretrain`, `pretrain-2`, `e7`) and never reused within a pipeline,
// because ids are what pipeline files, edges and the run history refer to.

const ID_ILLEGAL = /[^A-Za-z0-9_.-]/g;
const ID_MAX_LENGTH = 64;

/** `base` itself when free, else `base-2`, `base-3`... Illegal id characters become "-". */
export function uniqueNodeId(base: string, taken: ReadonlySet<string>): string {
  const stem = (base.replace(ID_ILLEGAL, '-').replace(/^[^A-Za-z0-9]+/, '') || 'node').slice(0, ID_MAX_LENGTH - 6);
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The next `eN` above every numbered edge id in use. */
export function nextEdgeId(taken: ReadonlySet<string>): string {
  let highest = 0;
  for (const id of taken) {
    const match = /^e(\d+)$/.exec(id);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  let n = highest + 1;
  while (taken.has(`e${n}`)) n++;
  return `e${n}`;
}
