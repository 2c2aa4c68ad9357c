// Graph order: topological sort (Kahn, stable in file order) and cycle discovery that names the nodes involved.

export interface GraphShape {
  nodes: readonly { id: string }[];
  edges: readonly { from: { node: string }; to: { node: string } }[];
}

/** Node ids in an order where every node comes after its upstream nodes; ties keep file order. */
export function topologicalOrder(graph: GraphShape): { order: string[]; cyclic: string[] } {
  const indegree = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const node of graph.nodes) {
    indegree.set(node.id, 0);
    downstream.set(node.id, []);
  }
  for (const edge of graph.edges) {
    if (!indegree.has(edge.from.node) || !indegree.has(edge.to.node)) continue;
    downstream.get(edge.from.node)!.push(edge.to.node);
    indegree.set(edge.to.node, indegree.get(edge.to.node)! + 1);
  }
  const ready = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const next of downstream.get(id)!) {
      const left = indegree.get(next)! - 1;
      indegree.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  const placed = new Set(order);
  const cyclic = graph.nodes.map((n) => n.id).filter((id) => !placed.has(id));
  return { order, cyclic };
}

/** Each cycle as a list of node ids (strongly connected components with more than one node, or a self-loop). */
export function findCycles(graph: GraphShape): string[][] {
  const adjacency = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const edge of graph.edges) adjacency.get(edge.from.node)?.push(edge.to.node);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;

  // Iterative Tarjan, so a deep chain cannot overflow the call stack.
  for (const root of adjacency.keys()) {
    if (index.has(root)) continue;
    const work: { id: string; next: number }[] = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = adjacency.get(frame.id)!;
      if (frame.next < targets.length) {
        const target = targets[frame.next++]!;
        if (!adjacency.has(target)) continue;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ id: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        const selfLoop = component.length === 1 && adjacency.get(frame.id)!.includes(frame.id);
        if (component.length > 1 || selfLoop) cycles.push(component.reverse());
      }
    }
  }
  return cycles;
}

/** The ids `targets` depend on, including themselves, in no particular order. */
export function upstreamClosure(graph: GraphShape, targets: readonly string[]): Set<string> {
  const upstream = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const edge of graph.edges) upstream.get(edge.to.node)?.push(edge.from.node);
  const needed = new Set<string>();
  const queue = [...targets];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (needed.has(id) || !upstream.has(id)) continue;
    needed.add(id);
    queue.push(...upstream.get(id)!);
  }
  return needed;
}

