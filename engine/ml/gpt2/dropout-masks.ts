// Dropout keep-masks for GPT-2, fed as graph inputs so a step is reproducible from a seed (and after a
// resume); ORT's own Dropout draws from a session-local generator that a restarted session cannot replay.

import type { Shape } from '../graph/dims.ts';
import { elementCountOf, type HostTensor } from '../tensor/host-tensor.ts';
import type { Random } from '../tensor/random.ts';
import type { Gpt2Config } from './config.ts';

export interface DropoutSite {
  /** The graph input name, e.g. "dropout.h.0.attn". */
  name: string;
  shape: Shape;
}

/** HF's dropout sites: after the embeddings, on attention probabilities, after each residual branch. */
export function gpt2DropoutSites(config: Gpt2Config, batch: number | string, time: number): DropoutSite[] {
  if (config.dropout === 0) return [];
  const activations: Shape = [batch, time, config.nEmbd];
  const sites: DropoutSite[] = [{ name: 'dropout.embd', shape: activations }];
  for (let layer = 0; layer < config.nLayer; layer++) {
    sites.push({ name: `dropout.h.${layer}.attn`, shape: [batch, config.nHead, time, time] });
    sites.push({ name: `dropout.h.${layer}.attn_resid`, shape: activations });
    sites.push({ name: `dropout.h.${layer}.mlp_resid`, shape: activations });
  }
  return sites;
}

/** Draws one bool keep-mask per site (keep with probability 1 - p); sites must have numeric shapes. */
export function sampleDropoutMasks(sites: readonly DropoutSite[], probability: number, random: Random): Record<string, HostTensor> {
  const masks: Record<string, HostTensor> = {};
  for (const site of sites) {
    if (site.shape.some((dim) => typeof dim !== 'number')) throw new Error(`dropout site "${site.name}": needs a numeric shape to sample`);
    const shape = site.shape as number[];
    const data = new Uint8Array(elementCountOf(shape));
    for (let index = 0; index < data.length; index++) data[index] = random.uniform() >= probability ? 1 : 0;
    masks[site.name] = { dtype: 'bool', shape, data };
  }
  return masks;
}
