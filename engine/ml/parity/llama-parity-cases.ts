// The Llama parity cases shared by the fixture writer (tools/write-llama-parity-inputs.ts), the PyTorch reference
// (tools/torch_llama.py reads them from the fixture's metadata) and the parity test. A small Llama with grouped-query
// attention (4 query heads over 2 key/value heads), a SwiGLU width other than the default and a tied head; the
// optimizer, clipping and learning rates are GPT-2's (parity-cases.ts).

import { huggingFaceConfig } from '../export/hf-config.ts';
import { llamaConfig, type LlamaConfig } from '../llama/config.ts';
import { PARITY_BATCH, PARITY_CASES, PARITY_GRAD_CLIP, PARITY_LEARNING_RATES, PARITY_LOGIT_ROWS, PARITY_OPTIMIZER } from './parity-cases.ts';

export const LLAMA_PARITY_CONFIG: LlamaConfig = llamaConfig({
  vocabSize: 65, nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 32, intermediateSize: 48, blockSize: 16, ropeTheta: 500,
});
export const LLAMA_PARITY_SEED = 20241;
export const LLAMA_PARITY_INPUTS_FILE = 'llama-tiny.inputs.safetensors';
export const LLAMA_PARITY_EXPECTED_FILE = 'llama-tiny.expected.safetensors';

/** Everything tools/torch_llama.py needs to rebuild the model and the optimizer, stored as fixture metadata. */
export function llamaParitySettings(): Record<string, string> {
  return {
    config: JSON.stringify(huggingFaceConfig(LLAMA_PARITY_CONFIG, { bos: null, eos: null })),
    cases: JSON.stringify(PARITY_CASES),
    batch: String(PARITY_BATCH),
    learning_rates: JSON.stringify(PARITY_LEARNING_RATES),
    optimizer: JSON.stringify({ beta1: PARITY_OPTIMIZER.beta1, beta2: PARITY_OPTIMIZER.beta2, eps: PARITY_OPTIMIZER.epsilon, weight_decay: PARITY_OPTIMIZER.weightDecay }),
    grad_clip: String(PARITY_GRAD_CLIP),
    logit_rows: String(PARITY_LOGIT_ROWS),
  };
}
