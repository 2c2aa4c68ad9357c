// What the model node asks of the engine (ctx.capabilities.models): find a Hugging Face model folder (on this machine,
// or downloaded from the hub into the data directory's cache) and import it as a Crucible model folder plus the
// model's Tokenizer. Types only; engine/capabilities/models-capability.ts implements it.
import type { LogLevel } from '../../app/protocol/run-events.ts';

/** Where the model comes from: a folder on this machine, or a hub repository pinned to a commit. */
export type ModelSource = { path: string } | { repo: string; revision: string };

export interface ImportModelRequest {
  source: ModelSource;
  /** The engine's data directory: hub downloads go into its content-addressed cache. */
  dataDir: string;
  /** The new Model artifact folder. */
  modelFolder: string;
  /** The new Tokenizer artifact folder: tokenizer.json and tokenizer_config.json, as the tokenizer node writes them. */
  tokenizerFolder: string;
  /** Recorded in the model folder's crucible-provenance.json. */
  provenance: Record<string, unknown>;
}

export type ImportModelProgress =
  | { stage: 'downloading'; file: string; receivedBytes: number; totalBytes: number | null }
  | { stage: 'importing' }
  | { stage: 'done' };

export interface ImportModelHooks {
  signal: AbortSignal;
  log(line: string, level?: LogLevel): void;
  onProgress?(progress: ImportModelProgress): void;
}

export interface ImportedModel {
  /** config.json `architectures[0]`, e.g. GPT2LMHeadModel, LlamaForCausalLM. */
  architecture: string;
  /** Crucible's family name for it, as pretrain records (`gpt2`, `llama`). */
  family: string;
  nLayer: number;
  nHead: number;
  /** Key/value heads of a Llama-family model (fewer than nHead with grouped-query attention). */
  nKvHead?: number;
  nEmbd: number;
  /** The context length (n_positions). */
  blockSize: number;
  vocabSize: number;
  parameterCount: number;
  /** The weights' dtype in the source folder (F32, F16, BF16); the imported model is float32. */
  sourceDtype: string;
  hasChatTemplate: boolean;
  /** Files written into the Model folder, relative to it. */
  files: string[];
  /** Hub sources: each downloaded file with its sha256, and whether anything was fetched this time. Null for a path. */
  download: { files: { name: string; sha256: string; bytes: number }[]; downloaded: boolean } | null;
  tokenizer: {
    kind: string;
    vocabSize: number;
    /** `sha256:` of the tokenizer as loaded, as the tokenizer node records it. */
    hash: string;
    specialTokens: string[];
  };
}

export interface ModelsCapability {
  importModel(request: ImportModelRequest, hooks: ImportModelHooks): Promise<ImportedModel>;
}
