// GGUF export needs an end-of-text token: llama.cpp stops generating at it, and the exporter refuses a tokenizer
// without one. A model whose tokenizer node trains one with no special tokens (`specialTokens: []`, as the char
// examples do) can never be exported to GGUF, so validation says so before the training, not after it (the top
// complaint about GGUF export: it fails after hours of training).
import type { NodeSpec } from '../nodes/spec.ts';
import type { Pipeline } from '../pipeline/schema.ts';
import type { ValidationProblem } from './problems.ts';
import { tokenizerOrigin } from './tokenizer-lineage.ts';

type Specs = ReadonlyMap<string, NodeSpec | undefined>;
type Configs = ReadonlyMap<string, Record<string, unknown>>;

/** One problem per GGUF export whose model's tokenizer is trained without special tokens. */
export function checkGgufEndOfText(pipeline: Pipeline, specs: Specs, configs: Configs): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const node of pipeline.nodes) {
    if (configs.get(node.id)?.format !== 'gguf') continue;
    const modelInput = specs.get(node.id)?.inputs.find((port) => port.type === 'Model');
    if (modelInput === undefined) continue;
    const origin = tokenizerOrigin(pipeline, specs, node.id, modelInput.name);
    const tokenizer = origin === null ? undefined : configs.get(origin);
    if (tokenizer === undefined || !trainsWithoutSpecialTokens(tokenizer)) continue;
    problems.push({
      node: node.id,
      field: 'format',
      code: 'gguf_needs_end_of_text',
      message: `GGUF needs an end-of-text token, and tokenizer "${origin}" is trained without special tokens (specialTokens: []), so this export would fail after the training. Add "<|endoftext|>" to "${origin}"'s specialTokens, or export as hf or onnx`,
    });
  }
  return problems;
}

/** A tokenizer node that trains its own vocabulary (char or bpe) with no special token to end a text with. */
function trainsWithoutSpecialTokens(config: Record<string, unknown>): boolean {
  return (config.kind === 'char' || config.kind === 'bpe') && Array.isArray(config.specialTokens) && config.specialTokens.length === 0;
}
