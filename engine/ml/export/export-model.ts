// `crucible export` and the export node: a model folder as files another runtime loads, with a model card.
//
// - gguf: `<publisher>/<name>/<name>-<TYPE>.gguf` (the publisher/model/file layout LM Studio's models folder
//   expects) with Ollama's Modelfile beside it, and README.md at the top.
// - hf: a clean Hugging Face repository — config.json, model.safetensors, tokenizer files, generation_config.json,
//   the ONNX decoders under onnx/ (transformers.js) and README.md; none of Crucible's own files.
// - onnx: the same without the safetensors: what transformers.js and ONNX Runtime need.

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXPORT_NAME_PATTERN, GGUF_TYPE_NAMES, ggufExportPath, type ExportFormat, type GgufQuantization } from '../../../app/artifacts/export-layout.ts';
import { DEFAULT_SAMPLING, type SpecialTokenIds } from './hf-config.ts';
import { MODEL_FILES, requireModelFolderFiles, specialTokenIdsOf, type TokenizerJsonTokens } from './model-folder.ts';
import { loadHuggingFaceTokenizer } from '../../tokenize/index.ts';
import { MODEL_CARD_FILE, writeModelCard } from './model-card.ts';
import { readSpecialTokenIds } from './model-token-ids.ts';
import { MODELFILE, ollamaModelfile } from './gguf/ollama-modelfile.ts';
import { modelChatTemplate, writeGgufModel, type GgufExportReport } from './gguf/write-gguf.ts';

export interface ExportRequest {
  modelFolder: string;
  /** A new or empty folder to write the export into. */
  outputFolder: string;
  format: ExportFormat;
  /** GGUF only. */
  quantization: GgufQuantization;
  name: string;
  license?: string;
  /** An evaluate node's report.json, for the card. */
  evaluation?: Record<string, unknown> | null;
}

export interface ExportOutcome {
  format: ExportFormat;
  /** Relative to the output folder, `/`-separated. */
  files: string[];
  bytes: number;
  /** What the user runs next, e.g. `ollama create bard -f crucible/bard/Modelfile`. */
  command: string | null;
  /** What other runtimes do differently, tensors kept F32, a chat template left unconverted. */
  notes: string[];
  gguf: GgufExportReport | null;
}

export function exportModel(request: ExportRequest): ExportOutcome {
  if (!EXPORT_NAME_PATTERN.test(request.name)) throw new Error(`name ${JSON.stringify(request.name)} must be lowercase letters, digits, ".", "_" or "-" (at most 64), as Ollama and LM Studio name models`);
  requireModelFolderFiles(request.modelFolder, [MODEL_FILES.config, MODEL_FILES.decoder], (missing) =>
    missing === MODEL_FILES.config ? 'this is not a model folder: point it at a folder written by pretrain, finetune, distill or quantize' : 're-run the node that produced the model',
  );
  mkdirSync(request.outputFolder, { recursive: true });
  const outcome = request.format === 'gguf' ? exportGguf(request) : exportHuggingFace(request);
  return { ...outcome, bytes: outcome.files.reduce((total, file) => total + fileSize(path.join(request.outputFolder, file)), 0) };
}

function exportGguf(request: ExportRequest): Omit<ExportOutcome, 'bytes'> {
  const ggufPath = ggufExportPath(request.name, request.quantization);
  const [modelDir, ggufName] = [path.posix.dirname(ggufPath), path.posix.basename(ggufPath)];
  mkdirSync(path.join(request.outputFolder, modelDir), { recursive: true });
  const fileType = GGUF_TYPE_NAMES[request.quantization];
  const report = writeGgufModel({ modelFolder: request.modelFolder, file: path.join(request.outputFolder, ggufPath), quantization: request.quantization, name: request.name, ...(request.license ? { license: request.license } : {}) });
  const tokenizerJson = readFileSync(path.join(request.modelFolder, MODEL_FILES.tokenizer), 'utf8');
  const tokenTexts = specialTokenTexts(tokenizerJson, readSpecialTokenIds(request.modelFolder));
  const sampling = samplingOf(request.modelFolder);
  const modelfile = ollamaModelfile({ name: request.name, ggufFile: ggufName, contextLength: report.contextLength, chatTemplate: modelChatTemplate(request.modelFolder), endOfText: tokenTexts.eos, bos: tokenTexts.bos, ...sampling });
  writeFileSync(path.join(request.outputFolder, modelDir, MODELFILE), modelfile.text);
  const modelfilePath = `${modelDir}/${MODELFILE}`;
  const command = `ollama create ${request.name} -f ${modelfilePath}`;
  const notes = [...report.notes, ...(modelfile.templateNote === null ? [] : [modelfile.templateNote])];
  writeModelCard(request.outputFolder, {
    modelFolder: request.modelFolder,
    name: request.name,
    ...(request.license ? { license: request.license } : {}),
    evaluation: request.evaluation ?? null,
    export: { format: 'gguf', ggufFile: ggufPath, ggufFileType: fileType, ggufBytes: report.bytes, ggufRelativeError: report.relativeError, notes, ollamaCommand: command },
  });
  return { format: 'gguf', files: [MODEL_CARD_FILE, ggufPath, modelfilePath], command, notes, gguf: report };
}

/** Files a Hugging Face repository of this model holds; the ONNX decoders are all of onnx/*.onnx. */
const HF_FILES = [MODEL_FILES.config, MODEL_FILES.weights, MODEL_FILES.tokenizer, MODEL_FILES.tokenizerConfig, MODEL_FILES.generationConfig];

function exportHuggingFace(request: ExportRequest): Omit<ExportOutcome, 'bytes'> {
  const wanted = HF_FILES.filter((file) => request.format === 'hf' || file !== MODEL_FILES.weights);
  const onnxDir = path.join(request.modelFolder, 'onnx');
  // exportModel required onnx/model.onnx, so the list holds at least that one.
  const decoders = readdirSync(onnxDir).filter((file) => file.endsWith('.onnx')).map((file) => path.join('onnx', file));
  const files = [...wanted.filter((file) => existsSync(path.join(request.modelFolder, file))), ...decoders.sort()];
  mkdirSync(path.join(request.outputFolder, 'onnx'), { recursive: true });
  for (const file of files) copyFileSync(path.join(request.modelFolder, file), path.join(request.outputFolder, file));
  writeModelCard(request.outputFolder, { modelFolder: request.modelFolder, name: request.name, ...(request.license ? { license: request.license } : {}), evaluation: request.evaluation ?? null, export: { format: request.format } });
  const notes = existsSync(path.join(request.modelFolder, MODEL_FILES.tokenizer)) ? [] : ['the model folder has no tokenizer.json, so the repository cannot turn text into tokens'];
  return { format: request.format, files: [MODEL_CARD_FILE, ...files.map(toPosix)], command: null, notes, gguf: null };
}

/**
 * The texts of the BOS and end-of-text tokens (the GGUF export has refused a tokenizer without them): config.json's
 * ids where it names them (an imported SmolLM2-Instruct ends a turn with <|im_end|>), else the tokenizer's.
 */
function specialTokenTexts(tokenizerJson: string, configIds: SpecialTokenIds): { bos: string; eos: string } {
  const parsed = JSON.parse(tokenizerJson) as TokenizerJsonTokens;
  const fromTokenizer = specialTokenIdsOf(parsed);
  const [bos, eos] = [configIds.bos ?? fromTokenizer.bos, configIds.eos ?? fromTokenizer.eos];
  // Any token of the vocabulary, not only the added ones: config.json may end text with an ordinary token.
  const tokenizer = loadHuggingFaceTokenizer(parsed);
  const text = (id: number | null) => (id === null || id < 0 || id >= tokenizer.vocabSize ? '' : tokenizer.decode([id]));
  return { bos: text(bos), eos: text(eos) };
}

/** generation_config.json's temperature and top_k, else nanoGPT's defaults. */
function samplingOf(modelFolder: string): { temperature: number; topK: number } {
  const file = path.join(modelFolder, MODEL_FILES.generationConfig);
  const json = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { temperature?: unknown; top_k?: unknown }) : {};
  return {
    temperature: typeof json.temperature === 'number' ? json.temperature : DEFAULT_SAMPLING.temperature,
    topK: typeof json.top_k === 'number' ? json.top_k : DEFAULT_SAMPLING.topK,
  };
}

function fileSize(file: string): number {
  return statSync(file).size;
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}
