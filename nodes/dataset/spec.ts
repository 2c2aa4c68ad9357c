// The dataset node: reads text from files, folders, globs or pinned URLs, cleans, deduplicates and splits it into
// a train/val Corpus.
import { z } from 'zod';
import { defineNodeSpec, type ConfigProblem } from '../../app/nodes/spec.ts';
import { secretLocationOf, secretSourceMessage } from './secret-paths.ts';

const pathSource = z.strictObject({
  path: z.string().min(1).max(4096).describe('A file, folder or glob, relative to the pipeline file; ~ is your home folder.'),
  include: z
    .array(z.string().max(512))
    .max(64)
    .optional()
    .describe(
      'Globs a file found in a folder or by a glob must match, relative to that folder (for a glob, the part before its first wildcard), e.g. ["**/*.md"].',
    ),
  exclude: z.array(z.string().max(512)).max(64).optional().describe('Globs of files to skip in a folder or glob, relative to the same folder as include.'),
  allowOutside: z
    .boolean()
    .optional()
    .describe(
      "Read this path even though it is outside the pipeline's folder and the data directory, or in a place that usually holds secrets (/proc, /sys, ~/.ssh, ~/.aws, private keys, .env files...). Files a folder or glob finds that look like secrets are still skipped.",
    ),
});

const urlSource = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(4096).describe('An http(s) address, downloaded once into the cache.'),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters')
    .optional()
    .describe('Expected content hash; with it the file can be registered offline with "crucible data add".'),
});

export const datasetConfig = z.strictObject({
  sources: z.array(z.union([pathSource, urlSource])).max(256).default([]).describe('Where the text comes from.'),
  format: z.enum(['auto', 'text', 'jsonl', 'csv', 'parquet']).default('auto').describe('File format; auto decides by extension.'),
  content: z
    .enum(['text', 'chat'])
    .default('text')
    .describe(
      'text: each record or file is a document. chat: each JSONL/JSON/parquet record is a conversation, OpenAI "messages" or Alpaca "instruction"/"input"/"output", for chat fine-tuning (textField is then unused).',
    ),
  textField: z.string().min(1).max(256).default('text').describe('Field of JSONL/JSON records, or column of CSV/parquet, holding the text.'),
  documentSplit: z.enum(['file', 'blank-lines', 'none']).default('file').describe('How text files are cut into documents.'),
  valFraction: z
    .number()
    .min(0)
    .max(0.5)
    .default(0.1)
    .describe(
      'Share of documents held out for validation. Which documents go to val depends on how many there are, so adding or removing documents reshuffles the split: compare val losses only between models trained on the same corpus.',
    ),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1337).describe('Seed of the train/val split.'),
  dedupe: z.enum(['none', 'exact', 'near']).default('exact').describe('Remove duplicate documents; near uses MinHash.'),
  nearThreshold: z.number().min(0.5).max(1).default(0.85).describe('Jaccard similarity above which near duplicates are dropped.'),
  minChars: z.number().int().min(0).max(1e9).default(0).describe('Drop documents shorter than this.'),
  maxChars: z.number().int().min(0).max(1e12).default(0).describe('Drop documents longer than this; 0 means no limit.'),
  normalize: z.enum(['nfc', 'none']).default('nfc').describe('Unicode normalization applied to every document.'),
});

export const datasetSpec = defineNodeSpec({
  type: 'dataset',
  title: 'Dataset',
  category: 'Data',
  icon: 'database',
  summary: 'Read, clean, deduplicate and split text into a corpus.',
  docs: 'Reads `.txt`, `.md`, `.jsonl`, `.json`, `.csv`, `.tsv` and `.parquet` files (optionally gzipped), folders and globs, or URLs pinned by sha256. Cleans the text, removes duplicates, and splits it by document into train and validation sets. With `content: chat`, each record is a conversation (OpenAI `messages` or Alpaca `instruction`/`input`/`output`) for chat fine-tuning.',
  version: 1,
  inputs: [],
  outputs: [{ name: 'corpus', type: 'Corpus', title: 'Corpus', description: 'Train and val text with statistics.' }],
  config: datasetConfig,
  pathFields: ['sources[].path'],
  checkConfig: (config) => {
    const problems: ConfigProblem[] = [];
    if (config.sources.length === 0) problems.push({ field: 'sources', message: 'add at least one source: a file, folder, glob or URL' });
    if (config.maxChars > 0 && config.maxChars < config.minChars) {
      problems.push({ field: 'maxChars', message: `${config.maxChars} must be at least minChars (${config.minChars}), or 0 for no limit` });
    }
    if (config.content === 'chat' && (config.format === 'text' || config.format === 'csv')) {
      problems.push({ field: 'format', message: `content "chat" reads conversations from JSON Lines, JSON or parquet records, not ${config.format} files; set format to auto, jsonl or parquet` });
    }
    problems.push(...secretSourceProblems(config.sources));
    return problems;
  },
});

/** Sources whose path names a secret location, refused unless they set allowOutside (see secret-paths.ts). */
function secretSourceProblems(sources: z.output<typeof datasetConfig>['sources']): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  sources.forEach((source, index) => {
    if (!('path' in source) || source.allowOutside) return;
    const location = secretLocationOf(source.path);
    if (location) problems.push({ field: `sources.${index}.path`, code: 'secret_source', message: secretSourceMessage(source.path, location) });
  });
  return problems;
}
