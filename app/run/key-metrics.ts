// The metrics a node's row or card shows, in this order, when the node reports them: the CLI's progress rows, the
// studio's node cards and its charts all show the same ones.
export const KEY_METRICS = ['loss', 'valLoss', 'lr', 'tokensPerSec'] as const;
