// The README.md every model folder Crucible writes carries: a Hugging Face model card (YAML front matter, then
// Markdown) saying what the model is and where it came from. Everything is read from the model folder itself —
// config.json, crucible-provenance.json (the node, its config, its inputs and final metrics), report.json (the
// quantize node's report) and tokenizer.json — plus what only the writer knows (an export's format and report, an
// evaluation). The one function model-folder writers call is `writeModelCard`.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { corpusSourcesOf } from '../../../app/artifacts/corpus-layout.ts';
import { EXPORT_PUBLISHER, type ExportFormat } from '../../../app/artifacts/export-layout.ts';
import { modelConfigFromHuggingFace } from './hf-config.ts';
import { llamaParameterCount } from '../llama/parameters.ts';
import { isLlamaConfig } from '../model-config.ts';
import { MODEL_FILES, readConfigJson, specialTokenIdsOf, type TokenizerJsonTokens } from './model-folder.ts';
import { parameterCount } from '../gpt2/parameters.ts';

export const MODEL_CARD_FILE = 'README.md';
/** Every card's tags start with this one; `isCrucibleModelCard` recognises Crucible's folders by it. */
const CRUCIBLE_TAG = 'crucible';
const QUANTIZATION_REPORT_FILE = 'report.json';

export interface ModelCardExport {
  format: ExportFormat;
  /** For GGUF: the file type (F32, F16, Q8_0, Q4_0), the file's path in the folder and what the writer reported. */
  ggufFile?: string;
  ggufFileType?: string;
  ggufBytes?: number;
  ggufRelativeError?: number;
  /** Things llama.cpp does differently, kept-F32 tensors. */
  notes?: string[];
  /** The Ollama command for this folder, e.g. `ollama create bard -f crucible/bard/Modelfile`. */
  ollamaCommand?: string;
}

export interface ModelCardInput {
  /** The Crucible model folder described (for exports: the folder the export came from). */
  modelFolder: string;
  /** The model's name; by default the id of the node that wrote the folder, else the folder's name. */
  name?: string;
  /** An SPDX id or "other" (the default: Crucible does not know the training data's license). */
  license?: string;
  /** The evaluate node's report.json, when one ran on this model. */
  evaluation?: Record<string, unknown> | null;
  export?: ModelCardExport;
}

/** Writes `<folder>/README.md`. */
export function writeModelCard(folder: string, input: ModelCardInput): void {
  writeFileSync(path.join(folder, MODEL_CARD_FILE), modelCardText(input));
}

/** Whether `text` is a card Crucible wrote (its front matter's tags start with `crucible`). */
export function isCrucibleModelCard(text: string): boolean {
  return /^---\n[\s\S]*?\ntags:\n- crucible\n[\s\S]*?\n---\n/.test(text);
}

export function modelCardText(input: ModelCardInput): string {
  const facts = readFacts(input.modelFolder);
  const nodeId = isRecord(facts.provenance.node) && typeof facts.provenance.node.id === 'string' ? facts.provenance.node.id : null;
  const name = input.name ?? nodeId ?? path.basename(path.resolve(input.modelFolder));
  const lines = [...frontMatter(facts, input), '', `# ${name}`, '', summaryOf(facts), ''];
  lines.push(...trainingData(facts), ...architecture(facts), ...training(facts));
  if (input.evaluation) lines.push(...evaluation(input.evaluation));
  lines.push(...quantization(facts, input.export), ...usage(name, facts, input.export), ...provenanceSection(facts));
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

type Json = Record<string, unknown>;

interface ModelFacts {
  config: Json;
  provenance: Json;
  /** The provenance of the training node: this folder's, or the source's for a quantized copy. */
  trained: Json;
  quantization: Json | null;
  tokenizer: { kind: string; vocabSize: number; endOfText: string | null } | null;
  parameters: number | null;
}

function readFacts(folder: string): ModelFacts {
  const config = existsSync(path.join(folder, MODEL_FILES.config)) ? readConfigJson(folder) : {};
  const provenance = readJson(path.join(folder, MODEL_FILES.provenance)) ?? {};
  let trained = provenance;
  while (nodeType(trained) === 'quantize' && isRecord(trained.source)) trained = trained.source;
  let parameters: number | null = null;
  try {
    const model = modelConfigFromHuggingFace(config, 'config.json');
    // A GPT-2 folder holds every bias (zeros when trained without), so its count is the one with biases.
    parameters = isLlamaConfig(model) ? llamaParameterCount(model) : parameterCount({ ...model, bias: true });
  } catch {
    // Not a GPT-2 config.json: the card leaves the count out.
  }
  return { config, provenance, trained, quantization: readJson(path.join(folder, QUANTIZATION_REPORT_FILE)), tokenizer: tokenizerFacts(folder), parameters };
}

function tokenizerFacts(folder: string): ModelFacts['tokenizer'] {
  const file = path.join(folder, MODEL_FILES.tokenizer);
  if (!existsSync(file)) return null;
  const json = JSON.parse(readFileSync(file, 'utf8')) as TokenizerJsonTokens & { model?: { vocab?: Record<string, number> }; pre_tokenizer?: { type?: string } | null };
  const vocabSize = Object.keys(json.model?.vocab ?? {}).length;
  const { eos } = specialTokenIdsOf(json);
  const endOfText = json.added_tokens?.find((token) => token.id === eos)?.content ?? null;
  return { kind: json.pre_tokenizer?.type === 'ByteLevel' ? 'byte-level BPE' : 'char', vocabSize, endOfText };
}

function frontMatter(facts: ModelFacts, input: ModelCardInput): string[] {
  const format = input.export?.format;
  const tags = [CRUCIBLE_TAG, String(facts.config.model_type ?? 'gpt2'), 'text-generation'];
  if (format === 'gguf') tags.push('gguf', 'llama.cpp', 'ollama', 'lm-studio');
  else tags.push('onnx', 'transformers.js');
  if (nodeType(facts.trained) === 'distill') tags.push('distillation');
  if (facts.quantization !== null) tags.push('quantized');
  const lines = ['---', `license: ${input.license ?? 'other'}`, `library_name: ${format === 'gguf' ? 'gguf' : format === 'onnx' ? 'transformers.js' : 'transformers'}`, 'pipeline_tag: text-generation', 'tags:', ...tags.map((tag) => `- ${tag}`)];
  const base = baseModelOf(facts);
  if (base !== null) lines.push(`base_model: local/${base.key} # a Crucible artifact key; use the hub id once the ${base.role} is published`);
  if (base?.role === 'source model') lines.push('base_model_relation: quantized');
  lines.push('---');
  return lines;
}

/** The teacher of a distilled model, the float32 source of a quantized one. */
function baseModelOf(facts: ModelFacts): { key: string; role: string } | null {
  if (nodeType(facts.provenance) === 'quantize') {
    const key = inputKey(facts.provenance, 'model');
    if (key !== null) return { key, role: 'source model' };
  }
  const teacher = inputKey(facts.trained, 'teacher');
  return teacher === null ? null : { key: teacher, role: 'teacher' };
}

function summaryOf(facts: ModelFacts): string {
  const c = facts.config;
  const shape = `${c.n_layer} layers, ${c.n_head} heads, width ${c.n_embd}, context ${c.n_positions} tokens`;
  const size = facts.parameters === null ? '' : `${facts.parameters.toLocaleString('en-US')} parameters, `;
  const how = nodeType(facts.trained) === 'distill' ? 'distilled from a teacher model' : 'trained from scratch';
  const quantized = facts.quantization !== null ? `, with weights quantized to ${String(settingsOf(facts.quantization).scheme ?? 'fewer bits')}` : '';
  return `A GPT-2 style language model (${size}${shape}) ${how} with Crucible${quantized}.`;
}

function trainingData(facts: ModelFacts): string[] {
  const tokens = inputOf(facts.trained, 'tokens');
  const lines = ['## Training data', ''];
  if (tokens === null) return [...lines, 'Not recorded: this folder has no provenance of its training tokens.', ''];
  const meta = isRecord(tokens.meta) ? tokens.meta : {};
  lines.push(`- Tokens: artifact \`${String(tokens.key)}\`${typeof meta.trainTokens === 'number' ? `, ${count(meta.trainTokens)} train and ${count(meta.valTokens)} val tokens` : ''}`);
  if (facts.tokenizer !== null) {
    const endOfText = facts.tokenizer.endOfText === null ? 'no end-of-text token' : `end of text \`${facts.tokenizer.endOfText}\``;
    lines.push(`- Tokenizer: ${facts.tokenizer.kind}, ${count(facts.tokenizer.vocabSize)} tokens, ${endOfText}${typeof meta.tokenizerHash === 'string' ? ` (\`${meta.tokenizerHash}\`)` : ''}`);
  }
  // The dataset's files as the Tokens artifact's meta carries them from its corpus (app/artifacts/corpus-layout.ts).
  const sources = corpusSourcesOf(meta);
  if (sources.length > 0) {
    lines.push('', '| dataset source | sha256 |', '| --- | --- |', ...sources.map((source) => `| ${tableCell('url' in source ? source.url : source.path)} | \`${source.sha256}\` |`));
  } else {
    lines.push('- Dataset sources: not recorded in the tokens artifact this model was trained on.');
  }
  return [...lines, ''];
}

function architecture(facts: ModelFacts): string[] {
  const c = facts.config;
  const rows: [string, unknown][] = [
    ['model type', c.model_type],
    ['layers', c.n_layer],
    ['attention heads', c.n_head],
    ['embedding width', c.n_embd],
    ['context length', c.n_positions],
    ['vocabulary', c.vocab_size],
    ['parameters', facts.parameters === null ? null : count(facts.parameters)],
    ['activation', c.activation_function],
    ['tied input/output embeddings', c.tie_word_embeddings],
  ];
  return ['## Architecture', '', '| | |', '| --- | --- |', ...rows.filter(([, value]) => value !== undefined && value !== null).map(([label, value]) => `| ${label} | ${String(value)} |`), ''];
}

const TRAINING_FIELDS = ['maxSteps', 'batchSize', 'gradAccumSteps', 'blockSize', 'learningRate', 'minLearningRate', 'warmupSteps', 'weightDecay', 'beta1', 'beta2', 'gradClip', 'dropout', 'seed', 'temperature', 'alpha', 'initFromTeacher', 'device'];

function training(facts: ModelFacts): string[] {
  const node = isRecord(facts.trained.node) ? facts.trained.node : null;
  if (node === null) return [];
  const config = isRecord(node.config) ? node.config : {};
  const metrics = isRecord(facts.trained.metrics) ? facts.trained.metrics : {};
  const lines = ['## Training', '', `Node \`${String(node.id ?? '?')}\` (${String(node.type)}).`, '', '| setting | value |', '| --- | --- |'];
  lines.push(...TRAINING_FIELDS.filter((field) => config[field] !== undefined).map((field) => `| ${field} | ${String(config[field])} |`));
  const results: [string, unknown][] = [['final train loss', metrics.trainLoss], ['final val loss', metrics.valLoss], ['teacher val loss', metrics.teacherValLoss], ['steps', metrics.steps]];
  const known = results.filter(([, value]) => typeof value === 'number');
  if (known.length > 0) lines.push('', '| result | value |', '| --- | --- |', ...known.map(([label, value]) => `| ${label} | ${decimal(value as number)} |`));
  return [...lines, ''];
}

function evaluation(report: Json): string[] {
  const rows: [string, unknown][] = [['decoder', report.decoder], ['precision', report.precision], ['val loss', report.valLoss], ['perplexity', report.perplexity], ['bits per token', report.bitsPerToken], ['bits per character', report.bitsPerCharacter], ['bits per byte', report.bitsPerByte], ['tokens scored', report.tokensScored]];
  const known = rows.filter(([, value]) => value !== null && value !== undefined);
  return ['## Evaluation', '', '| metric | value |', '| --- | --- |', ...known.map(([label, value]) => `| ${label} | ${typeof value === 'number' ? decimal(value) : String(value)} |`), ''];
}

function quantization(facts: ModelFacts, exported: ModelCardExport | undefined): string[] {
  const lines: string[] = [];
  const report = facts.quantization;
  if (report !== null) {
    const settings = settingsOf(report);
    const validation = isRecord(report.validation) ? report.validation : null;
    const agreement = isRecord(report.greedyAgreement) ? report.greedyAgreement.topOneAgreement : undefined;
    lines.push('## Quantization', '', `ONNX decoder \`${String(report.decoderFile)}\`: ${String(settings.scheme)} weights (MatMulNBits, block ${String(settings.blockSize)}${settings.symmetric === false ? ', asymmetric' : ''}).`, '', '| measure | value |', '| --- | --- |');
    if (typeof report.sizeRatio === 'number') lines.push(`| size vs float32 | ${(report.sizeRatio * 100).toFixed(1)}% |`);
    if (validation !== null) lines.push(`| val perplexity | ${decimal(validation.quantizedPerplexity as number)} (float32 ${decimal(validation.floatPerplexity as number)}, ${signed(validation.perplexityChangePercent as number)}%) |`);
    if (typeof agreement === 'number') lines.push(`| greedy top-1 agreement with float32 | ${(agreement * 100).toFixed(1)}% |`);
    if (typeof report.decodeSpeedRatio === 'number') lines.push(`| decode speed vs float32 | ${report.decodeSpeedRatio.toFixed(2)}× |`);
    lines.push('');
  }
  if (exported?.format === 'gguf') {
    lines.push('## GGUF', '', `\`${exported.ggufFile}\`: ${exported.ggufFileType}, ${exported.ggufBytes === undefined ? '' : `${(exported.ggufBytes / 1e6).toFixed(2)} MB, `}written from the float32 weights (norms, biases and the position table stay F32).`);
    if (exported.ggufRelativeError !== undefined && exported.ggufRelativeError > 0) lines.push(`Relative RMS error of the stored weights: ${exported.ggufRelativeError.toExponential(2)}.`);
    if (exported.notes !== undefined && exported.notes.length > 0) lines.push('', ...exported.notes.map((note) => `- ${note}`));
    lines.push('');
  }
  return lines;
}

function usage(name: string, facts: ModelFacts, exported: ModelCardExport | undefined): string[] {
  const lines = ['## How to use', ''];
  if (exported?.format === 'gguf') {
    lines.push(
      `**Ollama**: \`${exported.ollamaCommand}\`, then \`ollama run ${name}\`.`,
      '',
      `**LM Studio**: copy the \`${EXPORT_PUBLISHER}\` folder into LM Studio's models folder (\`~/.lmstudio/models/\`), keeping its publisher/model layout.`,
      '',
      `**llama.cpp**: \`llama-cli -m ${exported.ggufFile} -p "First"\`.`,
      '',
    );
    return lines;
  }
  const dtype = facts.quantization === null ? 'fp32' : settingsOf(facts.quantization).scheme === 'int4' ? 'q4' : 'int8';
  lines.push(
    '**transformers.js** (from this folder):',
    '',
    '```js',
    "import { pipeline, env } from '@huggingface/transformers';",
    "env.localModelPath = '.';",
    `const generate = await pipeline('text-generation', '${name}', { dtype: '${dtype}' });`,
    "console.log(await generate('First', { max_new_tokens: 50 }));",
    '```',
    '',
  );
  if (exported?.format !== 'onnx') lines.push(`**Crucible**: \`crucible serve ./${name}\` serves it over an OpenAI-compatible API.`, '');
  lines.push(`**Ollama / LM Studio / llama.cpp**: \`crucible export ./${name} --format gguf --quantization q8_0 --out ./${name}-gguf\` writes a GGUF with its Modelfile.`, '');
  return lines;
}

function provenanceSection(facts: ModelFacts): string[] {
  const p = facts.provenance;
  if (typeof p.runId !== 'string') return [];
  const node = isRecord(p.node) ? p.node : {};
  return ['## Provenance', '', `Written by the ${String(node.type)} node \`${String(node.id)}\` in Crucible run \`${p.runId}\`${typeof p.createdAt === 'string' ? ` on ${p.createdAt.slice(0, 10)}` : ''}.`, ''];
}

function nodeType(provenance: Json): string | null {
  return isRecord(provenance.node) && typeof provenance.node.type === 'string' ? provenance.node.type : null;
}

function inputOf(provenance: Json, port: string): Json | null {
  const inputs = isRecord(provenance.inputs) ? provenance.inputs : {};
  const input = inputs[port];
  return isRecord(input) ? input : null;
}

function inputKey(provenance: Json, port: string): string | null {
  const key = inputOf(provenance, port)?.key;
  return typeof key === 'string' ? key : null;
}

function settingsOf(report: Json): Json {
  return isRecord(report.settings) ? report.settings : {};
}

function readJson(file: string): Json | null {
  if (!existsSync(file)) return null;
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A file name may hold a `|`, which would end the cell. */
const tableCell = (text: string) => text.replaceAll('|', '\\|');
const count = (value: unknown) => (typeof value === 'number' ? value.toLocaleString('en-US') : String(value));
const decimal = (value: number) => (Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(4));
const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;
