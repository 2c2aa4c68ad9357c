// What the tokenizer node asks of the engine (ctx.capabilities.tokenizers): train or load a tokenizer, and encode a
// text split into a token shard. Types only; engine/capabilities/tokenizer-capability.ts implements it over
// engine/tokenize.
import type { TokenDtype, TokenizerKind } from '../../app/artifacts/tokens-layout.ts';

/** A UTF-8 text file holding documents back to back. */
export interface TextSplit {
  textPath: string;
  /**
   * Byte offsets 0, end of document 1, …, end of the last document (documents + 1 values, ascending; the last is
   * the file's size), as a Corpus artifact's `<split>.idx` holds them. Null when the file is a single document.
   */
  documentBoundaries: Float64Array | null;
}

export interface TokenizerJobProgress {
  /** Bytes of the split's text file read so far. */
  bytesRead: number;
  bytesTotal: number;
  /** Ids written so far (encoding only). */
  tokens?: number;
  /** What the job is doing once the text is read (e.g. "learning merges"). */
  stage?: string;
}

export interface TokenizerJobHooks {
  /** Aborting stops the job within about a second; the promise then rejects with the signal's reason. */
  signal: AbortSignal;
  onProgress?: (progress: TokenizerJobProgress) => void;
  /** Something the user should know that does not stop the job (e.g. the corpus is too small for vocabSize). */
  onWarning?: (message: string) => void;
}

export interface TokenizerTrainingRequest {
  kind: 'char' | 'bpe';
  split: TextSplit;
  /** bpe: total tokens (special + 256 bytes + merges); must be at least 256 + specialTokens.length. Ignored by char. */
  vocabSize: number;
  minFrequency: number;
  /** Added first (bpe) or after `<unk>` (char); the text between them is what is trained on. */
  specialTokens: readonly string[];
}

/** A tokenizer held by the engine, with the Hugging Face files that describe it. */
export interface TokenizerHandle {
  kind: TokenizerKind;
  vocabSize: number;
  /** `sha256:` of the tokenizer as loaded; every shard it encodes records it. */
  hash: string;
  /** The added tokens in id order (special tokens and, for char, `<unk>`). */
  addedTokens: readonly { id: number; content: string; special: boolean }[];
  /** The exact text of tokenizer.json and tokenizer_config.json to write. */
  tokenizerJsonText: string;
  tokenizerConfigJsonText: string;
  idOf(token: string): number | undefined;
}

export interface EncodeSplitRequest {
  tokenizer: TokenizerHandle;
  split: TextSplit;
  /** Shard path without extension: `<outputBase>.bin` and `<outputBase>.json` are written. */
  outputBase: string;
  /** Text put between documents (an added token of the tokenizer), or null to run documents together. */
  separator: string | null;
}

export interface EncodedSplit {
  tokens: number;
  dtype: TokenDtype;
}

/** How a chat corpus's conversations are rendered: the tokenizer's chat template, or the default SFT one. */
export interface ChatFormat {
  /** Jinja source, rendered as transformers does (messages, add_generation_prompt, bos_token, eos_token). */
  template: string;
  /** "tokenizer": tokenizer_config.json's chat_template; "default": it had none, DEFAULT_SFT_CHAT_TEMPLATE is used. */
  source: 'tokenizer' | 'default';
  /** bos_token / eos_token of tokenizer_config.json (else the tokenizer's first special token), or '' when none. */
  bosToken: string;
  eosToken: string;
  /** The tokenizer_config.json to write: the tokenizer's, with the default template written in when it had none. */
  tokenizerConfigJsonText: string;
}

export interface EncodeChatSplitRequest extends EncodeSplitRequest {
  chat: ChatFormat;
}

export interface EncodedChatSplit extends EncodedSplit {
  /** `<outputBase>.mask.bin`'s file name: one uint8 per id, 1 for assistant tokens. */
  maskFile: string;
  conversations: number;
  /** Ids whose mask is 1. */
  trainedTokens: number;
}

export interface TokenizerCapability {
  /** Streams the split from disk (never as one string) on a worker thread, so the engine stays responsive. */
  train(request: TokenizerTrainingRequest, hooks: TokenizerJobHooks): Promise<TokenizerHandle>;
  /**
   * Loads a Hugging Face tokenizer.json (BPE model type) unchanged; a tokenizer_config.json beside it is kept,
   * otherwise one is written. Missing or malformed files reject with a message naming the path.
   */
  loadPretrained(tokenizerJsonPath: string): Promise<TokenizerHandle>;
  /** Encodes in parallel across worker threads, streaming, with the separator between documents. */
  encodeSplit(request: EncodeSplitRequest, hooks: TokenizerJobHooks): Promise<EncodedSplit>;
  /** The chat format of a tokenizer (its chat_template, or the default); a malformed template or config throws. */
  chatFormat(tokenizer: TokenizerHandle): ChatFormat;
  /**
   * Encodes a chat corpus split (each document a conversation's JSON) on a worker thread: each conversation rendered
   * with the template and encoded segment by segment, the separator between conversations, plus the loss mask.
   * A template whose renders are not prefix-consistent rejects, naming the conversation.
   */
  encodeChatSplit(request: EncodeChatSplitRequest, hooks: TokenizerJobHooks): Promise<EncodedChatSplit>;
}
