// React Flow's change lists sorted into store actions: drag frames and the drag's end, selection, sizes, removals.
import { describe, expect, it } from 'vitest';
import { applySelectionChange, routeEdgeChanges, routeNodeChanges } from './flow-changes.ts';

describe('routeNodeChanges', () => {
  it('rounds moved positions and marks the drag gesture', () => {
    const dragging = routeNodeChanges([{ type: 'position', id: 'a', position: { x: 10.4, y: 19.6 }, dragging: true }]);
    expect(dragging).toMatchObject({ moves: [{ id: 'a', position: { x: 10, y: 20 } }], gesture: 'dragging' });
    expect(routeNodeChanges([{ type: 'position', id: 'a', dragging: false }])).toMatchObject({ moves: [], gesture: 'done' });
  });

  it('splits selection, sizes and removals', () => {
    const routed = routeNodeChanges([
      { type: 'select', id: 'a', selected: true },
      { type: 'select', id: 'b', selected: false },
      { type: 'dimensions', id: 'a', dimensions: { width: 200, height: 90 } },
      { type: 'remove', id: 'c' },
    ]);
    expect(routed).toMatchObject({ selected: ['a'], deselected: ['b'], sizes: { a: { width: 200, height: 90 } }, removed: ['c'] });
  });
});

describe('selection changes', () => {
  it('applies selects and deselects to the current selection', () => {
    expect(applySelectionChange(['a', 'b'], ['c'], ['a'])).toEqual(['b', 'c']);
    expect(routeEdgeChanges([{ type: 'select', id: 'e1', selected: true }, { type: 'remove', id: 'e2' }])).toEqual({ selected: ['e1'], deselected: [], removed: ['e2'] });
  });
});
