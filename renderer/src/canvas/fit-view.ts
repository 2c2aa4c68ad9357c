// How "fit view" frames a document, both when one is opened and on Shift+1: the whole graph with a small margin
// (React Flow's padding is a fraction of the viewport), never zoomed past 100% so a two-node pipeline stays life-size.
export const FIT_OPTIONS = { padding: 0.05, maxZoom: 1 } as const;
