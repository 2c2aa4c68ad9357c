// The palette groups the catalogue by category in a fixed order and searches titles, summaries and port types.
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../../app/nodes/catalogue.ts';
import { builtInRegistry } from '../../../nodes/specs.ts';
import { paletteGroups } from './palette-groups.ts';

const nodeTypes = catalogue(builtInRegistry());

describe('paletteGroups', () => {
  it('groups every node type under its category, in category order', () => {
    const groups = paletteGroups(nodeTypes, '');
    expect(groups.map((group) => group.category)).toEqual(['Data', 'Models', 'Training', 'Optimization', 'Evaluation', 'Serving']);
    expect(groups.flatMap((group) => group.items).length).toBe(nodeTypes.length);
    expect(groups[0]!.items.map((info) => info.type)).toEqual(['dataset', 'tokenizer']);
    expect(groups[1]!.items.map((info) => info.type)).toEqual(['model']);
  });

  it('finds the model node by what it brings in', () => {
    expect(paletteGroups(nodeTypes, 'pretrained hugging face').flatMap((group) => group.items.map((info) => info.type))).toEqual(['model']);
  });

  it('finds node types by words from the title, summary or port types, ignoring case', () => {
    expect(paletteGroups(nodeTypes, 'INT4').flatMap((group) => group.items.map((info) => info.type))).toEqual(['quantize']);
    expect(paletteGroups(nodeTypes, 'deployment').flatMap((group) => group.items.map((info) => info.type))).toEqual(['deploy', 'api-endpoint']);
    expect(paletteGroups(nodeTypes, 'no such thing')).toEqual([]);
  });
});
