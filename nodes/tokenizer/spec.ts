// The tokenizer node: trains (char or byte-level BPE) or loads a Hugging Face tokenizer, then encodes the corpus
// into token shards.
import { z } from 'zod';
import { GPT2_VOCAB_SIZE } from '../../app/models/gpt2-sizing.ts';
import { defineNodeSpec } from '../../app/nodes/spec.ts';

export const tokenizerConfig = z.strictObject({
  kind: z.enum(['char', 'bpe', 'pretrained']).default('bpe').describe('char: one token per character; bpe: byte-level BPE trained on the corpus; pretrained: a Hugging Face tokenizer.json.'),
  vocabSize: z.number().int().min(2).max(1_000_000).default(4096).describe('Vocabulary size to train to (bpe).'),
  minFrequency: z.number().int().min(1).max(1_000_000).default(2).describe('A pair must occur at least this often to be merged (bpe).'),
  specialTokens: z.array(z.string().min(1).max(64)).max(64).default(['<|endoftext|>']).describe('Tokens added to the vocabulary; the first is inserted between documents.'),
  path: z.string().max(4096).default('').describe('A Hugging Face tokenizer.json, relative to the pipeline file (pretrained).'),
});

export const tokenizerSpec = defineNodeSpec({
  type: 'tokenizer',
  title: 'Tokenizer',
  category: 'Data',
  icon: 'scissors',
  summary: 'Train or load a tokenizer and encode the corpus into token shards.',
  docs: 'Writes a Hugging Face compatible `tokenizer.json` and encodes train and val text into uint16/uint32 token shards. With a tokenizer connected (a model\'s), encodes with it. A chat corpus is rendered with the chat template and gets a loss mask that trains only assistant tokens.',
  version: 1,
  inputs: [
    { name: 'corpus', type: 'Corpus', title: 'Corpus', description: 'The text to train on and encode.' },
    {
      name: 'tokenizer',
      type: 'Tokenizer',
      title: 'Tokenizer',
      description: "Encode with this tokenizer (e.g. a model node's) instead of training or loading one; kind, vocabSize, minFrequency and path are then ignored.",
      optional: true,
    },
  ],
  outputs: [
    { name: 'tokenizer', type: 'Tokenizer', title: 'Tokenizer', description: 'tokenizer.json and tokenizer_config.json.' },
    { name: 'tokens', type: 'Tokens', title: 'Tokens', description: 'Train and val token shards.' },
  ],
  config: tokenizerConfig,
  pathFields: ['path'],
  checkConfig: (config) => {
    if (config.kind === 'pretrained' && config.path === '') return [{ field: 'path', message: 'is required for kind "pretrained": point it at a tokenizer.json' }];
    if (config.kind === 'bpe' && config.vocabSize < 256 + config.specialTokens.length) {
      return [{ field: 'vocabSize', message: `${config.vocabSize} is smaller than the byte alphabet plus special tokens (${256 + config.specialTokens.length})` }];
    }
    return [];
  },
});

/** Vocabulary assumed for a character tokenizer, whose alphabet comes from the data. */
const ASSUMED_CHAR_VOCAB_SIZE = 256;

/** The vocabulary a tokenizer config gives, as far as the config alone tells; the note says what was assumed. */
export function tokenizerVocabulary(config: z.output<typeof tokenizerConfig>): { size: number; note?: string } {
  switch (config.kind) {
    case 'bpe':
      return { size: config.vocabSize };
    case 'char':
      return { size: ASSUMED_CHAR_VOCAB_SIZE, note: `character vocabulary comes from the data; assumes at most ${ASSUMED_CHAR_VOCAB_SIZE}` };
    case 'pretrained':
      return { size: GPT2_VOCAB_SIZE, note: `pretrained tokenizer; assumes ${GPT2_VOCAB_SIZE.toLocaleString('en-US')} tokens` };
  }
}
