// The seam between the serving API and a model runtime: what one deployment's generator must offer.
// The ONNX runtime implements this; tests use the character-level bigram generator in testing/.
import type { LogprobToken } from './logprob-token.ts';

/** Why a generation ended: a stop token or stop string ("stop"), or `maxTokens` reached ("length"). */
export type FinishReason = 'stop' | 'length';

export type GeneratorHealth = 'loading' | 'ready' | 'failed';

/** Sampling settings after defaults and validation; every field is already in range. */
export interface GenerationRequest {
  promptTokens: number[];
  /** Most tokens to generate; the serving layer guarantees promptTokens.length + maxTokens <= contextLength. */
  maxTokens: number;
  /** 0 means greedy (argmax). */
  temperature: number;
  /** Nucleus mass in (0, 1]; 1 keeps every token. */
  topP: number;
  /** Keep only the k most likely tokens; 0 keeps all. */
  topK: number;
  /** Same seed, same request → same tokens, alone or inside a batch. Absent: the runtime picks one. */
  seed?: number;
  frequencyPenalty: number;
  presencePenalty: number;
  /** Token id → value added to its logit (-100 bans, +100 forces). */
  logitBias: ReadonlyMap<number, number>;
  /** Report each sampled token's log probability. */
  logprobs: boolean;
  /** Alternatives to report with each token (0–20); only read when `logprobs` is true. */
  topLogprobs: number;
}

export interface TokenAlternative {
  tokenId: number;
  /** The token on its own as logprobs show it (logprob-token.ts): a token that ends inside a character is "bytes:\\x..". */
  text: string;
  logprob: number;
  /** Its UTF-8 bytes, when the runtime knows them (else the endpoint takes the text's). */
  bytes?: number[];
}

export interface GeneratedToken {
  tokenId: number;
  /** The text this token adds. Runtimes with byte-level tokens hold back incomplete UTF-8 and emit it later. */
  text: string;
  logprob?: number;
  topLogprobs?: TokenAlternative[];
  /** The token on its own as logprobs show it, when logprobs were asked for (else its `text`). */
  asLogprob?: LogprobToken;
}

/**
 * One prompt token as scored by the model: its log probability given the tokens before it (null for the first,
 * which has no context) and the `count` most likely tokens at its position (null for the first).
 */
export interface ScoredPromptToken {
  tokenId: number;
  /** The text this token adds to the prompt (byte-level tokens that end mid-character add '' until it completes). */
  text: string;
  logprob: number | null;
  topLogprobs: TokenAlternative[] | null;
  /** The token on its own as logprobs show it (else its `text`). */
  asLogprob?: LogprobToken;
}

export interface PromptScore {
  tokens: ScoredPromptToken[];
  /**
   * At the position after the prompt: the end-of-text token's log probability and the most likely tokens. Null when
   * the model has no end-of-text token or the prompt is empty. Lets the serving layer list a generation that ended
   * on end-of-text at once (as evaluation harnesses that read `max_tokens: 1` expect).
   */
  endOfText: { tokenId: number; text: string; logprob: number; topLogprobs: TokenAlternative[] } | null;
}

/** What generate() yields: tokens, then exactly one finish. */
/**
 * A token, or the end. The end may carry `text`: what the last tokens spelled that no token event could show yet (the
 * bytes of a character the generation stopped in the middle of, as U+FFFD).
 */
export type GenerationEvent = ({ type: 'token' } & GeneratedToken) | { type: 'finish'; reason: FinishReason; text?: string };

export interface TextGenerator {
  /** The id clients pass as `model`. */
  readonly modelId: string;
  /** Longest prompt plus completion, in tokens. */
  readonly contextLength: number;
  /** Valid token ids are 0 … vocabularySize - 1 (checked for `logit_bias` and token prompts). */
  readonly vocabularySize: number;
  /** The tokenizer's Jinja `chat_template`, if it has one; the serving layer's default template is used otherwise. */
  readonly chatTemplate?: string;
  /**
   * Values templates may reference as `bos_token` / `eos_token`. A generator with either starts an empty prompt from
   * that token; one with neither never gets an empty prompt (the serving layer refuses it with a 400).
   */
  readonly specialTokens?: { bos?: string; eos?: string };
  tokenize(text: string): number[];
  detokenize(tokenIds: number[]): string;
  /**
   * Generates until a stop token, `maxTokens`, or `signal` aborts (then it ends quietly, yielding nothing more).
   * Stop strings are not the runtime's job: the serving layer watches the text and aborts. Errors thrown here
   * reach the client as a 500 (or an error event mid-stream).
   */
  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent>;
  /**
   * Scores a prompt in one forward pass: every token's log probability given those before it, over the same
   * vocabulary generation samples from, before any bias or temperature. `topLogprobs` (0–20) alternatives per
   * position. Generators without it cannot answer `echo` with `logprobs` (the serving layer says so with a 400).
   */
  scorePrompt?(promptTokens: readonly number[], topLogprobs: number, signal: AbortSignal): Promise<PromptScore>;
  health(): GeneratorHealth;
  /**
   * While health() is "failed" only because a crashed worker is about to be restarted: about how long until it
   * serves again, in ms (clients get a 503 "restarting" with that Retry-After). Null, or not implemented: the
   * failure is for good.
   */
  restartInMs?(): number | null;
}
