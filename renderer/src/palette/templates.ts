// The template gallery's pipelines: the example files shipped in examples/, bundled into the renderer by Vite so
// the gallery works without the engine.
import bpeDistillInt4Api from '../../../examples/bpe-distill-int4-api.crucible.json' with { type: 'json' };
import charShakespeare from '../../../examples/char-shakespeare.crucible.json' with { type: 'json' };
import chatSftApi from '../../../examples/chat-sft-api.crucible.json' with { type: 'json' };
import finetuneText from '../../../examples/finetune-text.crucible.json' with { type: 'json' };

export interface PipelineTemplate {
  id: string;
  title: string;
  summary: string;
  pipeline: unknown;
}

export const PIPELINE_TEMPLATES: readonly PipelineTemplate[] = [
  {
    id: 'char-shakespeare',
    title: 'Char GPT on Shakespeare',
    summary: "nanoGPT's CPU reference: a 4-layer character model on tiny Shakespeare, then evaluation.",
    pipeline: charShakespeare,
  },
  {
    id: 'bpe-distill-int4-api',
    title: 'BPE GPT → distill → int4 → API',
    summary: 'Train a BPE teacher, distill a smaller student, quantize it to int4 and serve it over an OpenAI-style API.',
    pipeline: bpeDistillInt4Api,
  },
  {
    id: 'finetune-text',
    title: 'Fine-tune a model on your text',
    summary: "Import a pretrained GPT-2, encode your text with its own tokenizer, fine-tune it with LoRA and evaluate the result.",
    pipeline: finetuneText,
  },
  {
    id: 'chat-sft-api',
    title: 'Chat fine-tune (SFT)',
    summary: 'Fine-tune a pretrained GPT-2 on chat conversations (assistant tokens only), deploy it and serve it over an OpenAI-style API.',
    pipeline: chatSftApi,
  },
];
