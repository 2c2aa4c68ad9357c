// A Crucible model folder as one GGUF file: the architecture's keys and tensors (gguf-architectures.ts), the
// vocabulary (gguf-vocabulary.ts) and the file's quantization: F32, F16, Q8_0 or Q4_0 for the matrices, while norms,
// biases and the position table stay F32 as llama.cpp keeps them. A matrix whose rows are not whole 32-weight blocks
// stays F32 in a Q8_0/Q4_0 file, and the report names it.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GGUF_TYPE_NAMES, type GgufQuantization } from '../../../../app/artifacts/export-layout.ts';
import { chatTemplateOf } from '../../../tokenize/chat/index.ts';
import { readTokenizerConfig } from '../../../tokenize/index.ts';
import { MODEL_FILES } from '../model-folder.ts';
import { readSpecialTokenIds } from '../model-token-ids.ts';
import { readGgufModelSource, type GgufModelSource } from './gguf-architectures.ts';
import { gguf, writeGgufFile, type GgufValue } from './gguf-file.ts';
import { ggufVocabulary } from './gguf-vocabulary.ts';
import { decodeGgml, encodeGgml, fitsRows, GGML_BLOCKS, type GgmlType } from './ggml-types.ts';

/** llama.cpp's llama_ftype for `general.file_type`. */
const FILE_TYPE: Record<GgufQuantization, number> = { f32: 0, f16: 1, q4_0: 2, q8_0: 7 };
/** ggml's GGML_QNT_VERSION. */
const QUANTIZATION_VERSION = 2;

export interface GgufExportRequest {
  modelFolder: string;
  file: string;
  quantization: GgufQuantization;
  /** `general.name`. */
  name: string;
  /** `general.license`, when known. */
  license?: string;
}

export interface GgufExportReport {
  quantization: GgufQuantization;
  /** The file's type name as llama.cpp prints it, e.g. "Q8_0". */
  fileType: string;
  bytes: number;
  architecture: string;
  contextLength: number;
  parameterCount: number;
  /** How many tensors each ggml type holds. */
  tensorTypes: Partial<Record<GgmlType, number>>;
  /** Matrices kept F32 because their rows are not whole blocks, with the reason. */
  keptFloat32: string[];
  /** √(Σ(w − stored)²/Σw²) over every weight the file stores, or 0 for F32. */
  relativeError: number;
  hasChatTemplate: boolean;
  /** What llama.cpp will do differently from Crucible (vocabulary, kept tensors). */
  notes: string[];
}

export function writeGgufModel(request: GgufExportRequest): GgufExportReport {
  const source = readGgufModelSource(request.modelFolder);
  const tokenizerPath = path.join(request.modelFolder, MODEL_FILES.tokenizer);
  if (!existsSync(tokenizerPath)) throw new Error(`GGUF export: ${request.modelFolder} has no ${MODEL_FILES.tokenizer}; llama.cpp needs the vocabulary inside the GGUF — export a model trained from a tokenizer node`);
  const vocabulary = ggufVocabulary(readFileSync(tokenizerPath, 'utf8'), source.vocabSize, tokenizerPath);
  const chatTemplate = modelChatTemplate(request.modelFolder);
  // config.json's ids where it names them (an imported SmolLM2-Instruct ends turns with <|im_end|>), else the vocabulary's.
  const ids = readSpecialTokenIds(request.modelFolder);

  const target = GGUF_TYPE_NAMES[request.quantization];
  const tensorTypes: Partial<Record<GgmlType, number>> = {};
  const keptFloat32: string[] = [];
  let errorSquares = 0;
  let weightSquares = 0;
  const trimmed = trimToVocabulary(source, vocabulary.tokens.length);
  const tensors = trimmed.tensors.map((tensor) => {
    let type: GgmlType = tensor.quantizable ? target : 'F32';
    if (!fitsRows(type, tensor.dims[0]!)) {
      keptFloat32.push(`${tensor.name}: rows of ${tensor.dims[0]} weights are not whole ${GGML_BLOCKS[type].weights}-weight ${type} blocks, so it stays F32`);
      type = 'F32';
    }
    tensorTypes[type] = (tensorTypes[type] ?? 0) + 1;
    return {
      name: tensor.name,
      dims: tensor.dims,
      type,
      encode: () => {
        const values = tensor.values();
        const bytes = encodeGgml(type, values);
        if (type !== 'F32') {
          const stored = decodeGgml(type, bytes);
          values.forEach((value, index) => {
            errorSquares += (value - stored[index]!) ** 2;
            weightSquares += value * value;
          });
        } else {
          values.forEach((value) => (weightSquares += value * value));
        }
        return bytes;
      },
    };
  });

  const metadata: Array<[string, GgufValue]> = [
    ['general.architecture', gguf.string(source.architecture)],
    ['general.type', gguf.string('model')],
    ['general.name', gguf.string(request.name)],
    ...(request.license === undefined ? [] : [['general.license', gguf.string(request.license)] as [string, GgufValue]]),
    ['general.file_type', gguf.uint32(FILE_TYPE[request.quantization])],
    ['general.quantization_version', gguf.uint32(QUANTIZATION_VERSION)],
    ...trimmed.hyperparameters,
    ['tokenizer.ggml.model', gguf.string('gpt2')],
    ['tokenizer.ggml.pre', gguf.string(vocabulary.pre)],
    ['tokenizer.ggml.tokens', gguf.strings(vocabulary.tokens)],
    ['tokenizer.ggml.token_type', gguf.int32s(vocabulary.tokenTypes)],
    ['tokenizer.ggml.merges', gguf.strings(vocabulary.merges)],
    ['tokenizer.ggml.bos_token_id', gguf.uint32(ids.bos ?? vocabulary.bos)],
    ['tokenizer.ggml.eos_token_id', gguf.uint32(ids.eos ?? vocabulary.eos)],
    ...(vocabulary.unknown === null ? [] : [['tokenizer.ggml.unknown_token_id', gguf.uint32(vocabulary.unknown)] as [string, GgufValue]]),
    // Crucible never adds BOS or EOS to a prompt; llama.cpp must not either, or the two would see different tokens.
    ['tokenizer.ggml.add_bos_token', gguf.bool(false)],
    ['tokenizer.ggml.add_eos_token', gguf.bool(false)],
    ...(chatTemplate === null ? [] : [['tokenizer.chat_template', gguf.string(chatTemplate)] as [string, GgufValue]]),
  ];
  const bytes = writeGgufFile(request.file, { metadata, tensors });
  return {
    quantization: request.quantization,
    fileType: target,
    bytes,
    architecture: source.architecture,
    contextLength: source.contextLength,
    parameterCount: source.parameterCount,
    tensorTypes,
    keptFloat32,
    relativeError: weightSquares === 0 ? 0 : Math.sqrt(errorSquares / weightSquares),
    hasChatTemplate: chatTemplate !== null,
    notes: [...vocabulary.notes, ...trimmed.notes, ...keptFloat32],
  };
}

/**
 * The source with only the tokenizer's `tokens` rows of each per-token tensor and its vocab_size key to match: rows past
 * the tokenizer pad the table (to a multiple of 64, or from a fine-tune's base) and Crucible never samples them, but
 * llama.cpp samples every row it is given, and would write those ids as nothing.
 */
function trimToVocabulary(source: GgufModelSource, tokens: number): Pick<GgufModelSource, 'tensors' | 'hyperparameters'> & { notes: string[] } {
  if (tokens === source.vocabSize) return { tensors: source.tensors, hyperparameters: source.hyperparameters, notes: [] };
  const tensors = source.tensors.map((tensor) => {
    if (tensor.perToken !== true) return tensor;
    const width = tensor.dims[0]!;
    return { ...tensor, dims: [width, tokens], values: () => tensor.values().slice(0, width * tokens) };
  });
  const vocabKey = `${source.architecture}.vocab_size`;
  const hyperparameters = source.hyperparameters.map(([key, value]): [string, GgufValue] => (key === vocabKey ? [key, gguf.uint32(tokens)] : [key, value]));
  const notes = [`the embedding's ${source.vocabSize - tokens} rows past the tokenizer's ${tokens} tokens are left out: Crucible never samples them`];
  return { tensors, hyperparameters, notes };
}

/** The model folder's Jinja chat template (tokenizer_config.json's `chat_template`, read by `chatTemplateOf`), or null. */
export function modelChatTemplate(modelFolder: string): string | null {
  const file = path.join(modelFolder, MODEL_FILES.tokenizerConfig);
  if (!existsSync(file)) return null;
  return chatTemplateOf(readTokenizerConfig(readFileSync(file, 'utf8'), file) as Record<string, unknown>, file);
}
