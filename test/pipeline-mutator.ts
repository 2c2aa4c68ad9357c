// Seeded mutations of pipeline files for the fuzz test: wrong types, missing fields, huge values, deep nesting,
// unknown fields, cycles, duplicate ids and broken text.

export type Random = () => number;

/** mulberry32: a tiny seeded generator, so a failing case can be replayed from its seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function deepNest(depth: number, asArray: boolean): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { nested: value };
  return value;
}

function strangeValue(random: Random): unknown {
  return pick(random, [
    () => null,
    () => true,
    () => -1,
    () => 0,
    () => 1e308,
    () => -1e308,
    () => 2 ** 53 + 1,
    () => 0.1 + 0.2,
    () => '',
    () => 'x'.repeat(100_000),
    () => '\u0000\ud800💥',
    () => [],
    () => [1, 'two', null],
    () => ({}),
    () => ({ __proto__: { polluted: true }, constructor: 'x' }),
    () => deepNest(3000, random() < 0.5),
  ])();
}

/** Every [container, key] pair in the tree, so a mutation can hit any field at any depth. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = [], depth = 0): typeof out {
  if (depth > 12 || value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) value.forEach((child, i) => (out.push([value, i]), slots(child, out, depth + 1)));
  else for (const [key, child] of Object.entries(value)) out.push([value as Record<string, unknown>, key]), slots(child, out, depth + 1);
  return out;
}

type Mutation = (file: any, random: Random) => void;

const MUTATIONS: Mutation[] = [
  // wrong type anywhere
  (file, random) => {
    const all = slots(file);
    if (all.length === 0) return;
    const [container, key] = pick(random, all);
    (container as any)[key] = strangeValue(random);
  },
  // missing field anywhere
  (file, random) => {
    const all = slots(file).filter(([c]) => !Array.isArray(c));
    if (all.length === 0) return;
    const [container, key] = pick(random, all);
    delete (container as any)[key];
  },
  // unknown field
  (file, random) => {
    const objects = slots(file).map(([c, k]) => (c as any)[k]).filter((v) => v && typeof v === 'object' && !Array.isArray(v));
    const target = objects.length > 0 ? pick(random, objects) : file;
    target[pick(random, ['extra', 'nodes2', 'typo', '__proto__', 'constructor'])] = strangeValue(random);
  },
  // a cycle: connect the last node's first output back to the first node
  (file) => {
    if (!Array.isArray(file.nodes) || !Array.isArray(file.edges) || file.edges.length === 0) return;
    const first = file.edges[0];
    const last = file.edges[file.edges.length - 1];
    if (first?.from && last?.to) file.edges.push({ id: 'cycle', from: { node: last.to.node, port: first.to?.port ?? 'x' }, to: { node: first.from.node, port: first.to?.port ?? 'x' } });
  },
  // duplicate a node or an edge
  (file, random) => {
    const list = random() < 0.5 ? file.nodes : file.edges;
    if (Array.isArray(list) && list.length > 0) list.push(structuredClone(pick(random, list)));
  },
  // unknown node type or port
  (file, random) => {
    if (!Array.isArray(file.nodes) || file.nodes.length === 0) return;
    const node: any = pick(random, file.nodes as any[]);
    if (node && typeof node === 'object') node.type = pick(random, ['mystery', 'pretrain ', 'DATASET', '']);
  },
  (file, random) => {
    if (!Array.isArray(file.edges) || file.edges.length === 0) return;
    const edge: any = pick(random, file.edges as any[]);
    if (edge?.to) edge.to.port = pick(random, ['model', 'nope', '', 'tokens']);
  },
  // huge config numbers
  (file, random) => {
    if (!Array.isArray(file.nodes) || file.nodes.length === 0) return;
    const node: any = pick(random, file.nodes as any[]);
    if (node?.config && typeof node.config === 'object') node.config[pick(random, ['nLayer', 'nEmbd', 'maxSteps', 'vocabSize', 'port', 'text', 'repeat'])] = pick(random, [1e308, -5, 2 ** 31, 0.5, '12']);
  },
  // version games
  (file, random) => {
    file.version = pick(random, [0, 2, 99, -1, '1', 1.5, null]);
  },
  // many nodes
  (file, random) => {
    if (!Array.isArray(file.nodes)) return;
    const count = Math.floor(random() * 1500);
    for (let i = 0; i < count; i++) file.nodes.push({ id: `n${i}`, type: 'dataset', typeVersion: 1, config: {} });
  },
];

export function mutatePipeline(base: unknown, random: Random): unknown {
  const file = structuredClone(base) as any;
  const steps = 1 + Math.floor(random() * 3);
  for (let i = 0; i < steps; i++) pick(random, MUTATIONS)(file, random);
  return file;
}

/** Text-level damage for the JSON reader: truncation, a stray character, or an unbalanced bracket. */
export function damageText(text: string, random: Random): string {
  const at = Math.floor(random() * text.length);
  return pick(random, [
    () => text.slice(0, at),
    () => `${text.slice(0, at)}${pick(random, ['}', ',', '"', '\u0000', 'NaN', '\\'])}${text.slice(at)}`,
    () => '['.repeat(20_000) + text,
    () => `\ufeff${text}`,
  ])();
}
