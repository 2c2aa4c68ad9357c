// The canvas view of a pipeline: handles named and coloured by port type, placeholders and removed ports kept
// visible, edges to missing nodes left out, and unchanged nodes keeping their identity between builds.
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../../app/nodes/catalogue.ts';
import { PORT_COLORS } from '../../../app/nodes/ports.ts';
import type { Pipeline } from '../../../app/pipeline/schema.ts';
import { builtInRegistry } from '../../../nodes/specs.ts';
import { createFlowViewBuilder, UNKNOWN_PORT_COLOR, type ViewState } from './flow-view.ts';

const byType = new Map(catalogue(builtInRegistry()).map((info) => [info.type, info]));
const view = (selected: string[] = []): ViewState => ({ selectedNodes: new Set(selected), selectedEdges: new Set(), measured: {} });

const pipeline: Pipeline = {
  format: 'crucible.pipeline',
  version: 1,
  name: 'p',
  description: '',
  nodes: [
    { id: 'tok', type: 'tokenizer', typeVersion: 1, config: {}, ui: { position: { x: 10, y: 20 } } },
    { id: 'magic', type: 'plugin-magic', typeVersion: 1, config: {} },
  ],
  edges: [
    { id: 'e1', from: { node: 'tok', port: 'tokens' }, to: { node: 'magic', port: 'text' } },
    { id: 'e2', from: { node: 'tok', port: 'vocab' }, to: { node: 'magic', port: 'more' } },
    { id: 'e3', from: { node: 'tok', port: 'tokens' }, to: { node: 'gone', port: 'x' } },
  ],
};

describe('flow view', () => {
  it('names and colours handles by port, and keeps ports the node type no longer has', () => {
    const [tok] = createFlowViewBuilder().buildNodes(pipeline, byType, view());
    expect(tok!.position).toEqual({ x: 10, y: 20 });
    expect(tok!.data.outputs.map((port) => [port.name, port.color, port.removed])).toEqual([
      ['tokenizer', PORT_COLORS.Tokenizer, false],
      ['tokens', PORT_COLORS.Tokens, false],
      ['vocab', UNKNOWN_PORT_COLOR, true],
    ]);
  });

  it('shows an unknown node type as a placeholder with the ports its edges use', () => {
    const [, magic] = createFlowViewBuilder().buildNodes(pipeline, byType, view());
    expect(magic!.data).toMatchObject({ placeholder: true, typeName: 'plugin-magic' });
    expect(magic!.data.inputs.map((port) => port.name)).toEqual(['text', 'more']);
  });

  it('leaves out edges to missing nodes and colours edges by the port type they carry', () => {
    const edges = createFlowViewBuilder().buildEdges(pipeline, byType, view());
    expect(edges.map((edge) => edge.id)).toEqual(['e1', 'e2']);
    expect(edges[0]!.style?.stroke).toBe(PORT_COLORS.Tokens);
  });

  it('reuses unchanged nodes and rebuilds only what changed', () => {
    const builder = createFlowViewBuilder();
    const first = builder.buildNodes(pipeline, byType, view());
    const second = builder.buildNodes(pipeline, byType, view(['magic']));
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(second[1]!.selected).toBe(true);
  });
});
