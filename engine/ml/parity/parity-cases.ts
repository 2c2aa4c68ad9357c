// The GPT-2 parity cases shared by the fixture writer (tools/write-parity-inputs.ts), the PyTorch reference
// (tools/torch_gpt2.py reads them from the fixture's metadata) and the parity tests.

import type { AdamWHyperparameters } from '../optim/adamw.ts';
import { huggingFaceConfig } from '../export/hf-config.ts';
import { gpt2Config, type Gpt2Config } from '../gpt2/config.ts';

export interface ParityCase {
  name: string;
  /** T; the "short" case has T < blockSize, so wpe rows past T get no gradient. */
  time: number;
}

export const PARITY_CONFIG: Gpt2Config = gpt2Config({ vocabSize: 65, nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16 });
export const PARITY_BATCH = 4;
export const PARITY_SEED = 20240;
export const PARITY_CASES: readonly ParityCase[] = [
  { name: 'full', time: 16 },
  { name: 'short', time: 11 },
];
/** One learning rate per AdamW step; three steps, so the moments and bias corrections are checked past the first. */
export const PARITY_LEARNING_RATES = [3e-3, 2e-3, 1e-3] as const;
export const PARITY_OPTIMIZER: AdamWHyperparameters = { beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1 };
/** Low enough that the first steps are clipped, so the fixtures check clipping too. */
export const PARITY_GRAD_CLIP = 0.5;
/** How many rows of batch row 0's logits the expected file keeps, (rows, V). */
export const PARITY_LOGIT_ROWS = 4;

export const PARITY_INPUTS_FILE = 'gpt2-tiny.inputs.safetensors';
export const PARITY_EXPECTED_FILE = 'gpt2-tiny.expected.safetensors';

/** Tensor names inside the fixture files. */
export const parityNames = {
  initial: (parameter: string) => `initial.${parameter}`,
  tokens: (caseName: string, step: number) => `${caseName}.step${step}.tokens`,
  targets: (caseName: string, step: number) => `${caseName}.step${step}.targets`,
  loss: (caseName: string) => `${caseName}.loss`,
  gradNorm: (caseName: string) => `${caseName}.grad_norm`,
  logits: (caseName: string) => `${caseName}.logits`,
  gradient: (caseName: string, parameter: string) => `${caseName}.grad.${parameter}`,
  afterSteps: (caseName: string, parameter: string) => `${caseName}.after_steps.${parameter}`,
} as const;

/** Everything tools/torch_gpt2.py needs to rebuild the model and the optimizer, stored as fixture metadata. */
export function paritySettings(): Record<string, string> {
  return {
    // Hugging Face's config.json fields, of which the reference reads the shape and the LayerNorm epsilon.
    config: JSON.stringify(huggingFaceConfig(PARITY_CONFIG, { bos: null, eos: null })),
    cases: JSON.stringify(PARITY_CASES),
    batch: String(PARITY_BATCH),
    learning_rates: JSON.stringify(PARITY_LEARNING_RATES),
    optimizer: JSON.stringify({ beta1: PARITY_OPTIMIZER.beta1, beta2: PARITY_OPTIMIZER.beta2, eps: PARITY_OPTIMIZER.epsilon, weight_decay: PARITY_OPTIMIZER.weightDecay }),
    grad_clip: String(PARITY_GRAD_CLIP),
    logit_rows: String(PARITY_LOGIT_ROWS),
  };
}
