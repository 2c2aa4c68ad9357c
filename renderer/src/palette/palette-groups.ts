// The palette's content: catalogue entries grouped by category in the spec's category order, filtered by a search
// that matches title, type, summary and port types.
import type { NodeTypeInfo } from '../../../app/nodes/catalogue.ts';
import { NODE_CATEGORIES, type NodeCategory } from '../../../app/nodes/spec.ts';

export interface PaletteGroup {
  category: NodeCategory;
  items: NodeTypeInfo[];
}

function searchText(info: NodeTypeInfo): string {
  const ports = [...info.inputs, ...info.outputs].map((port) => `${port.name} ${port.type}`);
  return [info.title, info.type, info.summary, ...ports].join(' ').toLowerCase();
}

export function paletteGroups(catalogue: readonly NodeTypeInfo[], query: string): PaletteGroup[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matching = catalogue.filter((info) => {
    const text = searchText(info);
    return words.every((word) => text.includes(word));
  });
  return NODE_CATEGORIES.map((category) => ({ category, items: matching.filter((info) => info.category === category) })).filter((group) => group.items.length > 0);
}
