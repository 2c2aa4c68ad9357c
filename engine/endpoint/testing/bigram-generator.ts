// Test support: a real, tiny TextGenerator — a character-level bigram model counted from a text and sampled with
// the shared sampler, deterministic for a seed. It lets the serving layer be tested end to end without ONNX.
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { adjustLogits, logSoftmax, pickToken, topAlternatives } from '../../inference/sampling.ts';
import { seededRandom } from '../../inference/seeded-random.ts';
import type { GenerationEvent, GenerationRequest, GeneratorHealth, PromptScore, TextGenerator } from '../../inference/text-generator.ts';

export const END_OF_TEXT = '<|endoftext|>';
const END_ID = 0;
const UNKNOWN_ID = 1;

export interface BigramGeneratorOptions {
  modelId: string;
  /** Text the bigram counts come from; its characters are the vocabulary. */
  trainingText: string;
  contextLength?: number;
  chatTemplate?: string;
  /** Pause before each token, to hold a batch slot for a while in tests. */
  tokenDelayMs?: number;
  /** Starts in "loading"; call markReady(). */
  startLoading?: boolean;
  /**
   * false: no end-of-text special token to offer, like a model whose tokenizer has none; an empty prompt then fails
   * the generation, as the ONNX runtime's does. Default true.
   */
  endOfTextToken?: boolean;
}

export class BigramGenerator implements TextGenerator {
  readonly modelId: string;
  readonly contextLength: number;
  readonly vocabularySize: number;
  readonly chatTemplate?: string;
  readonly specialTokens: { eos?: string };
  tokenDelayMs: number;
  /** Generations currently running, to check that cancelled ones really stop. */
  active = 0;
  readonly #characters: string[];
  readonly #idOf: Map<string, number>;
  /** logits[previous][next]: log of add-one smoothed bigram frequencies. */
  readonly #logits: Float64Array[];
  #health: GeneratorHealth;
  #failure: Error | null = null;
  #restartDueMs: number | null = null;

  constructor(options: BigramGeneratorOptions) {
    this.modelId = options.modelId;
    this.contextLength = options.contextLength ?? 256;
    if (options.chatTemplate !== undefined) this.chatTemplate = options.chatTemplate;
    this.tokenDelayMs = options.tokenDelayMs ?? 0;
    this.#health = options.startLoading ? 'loading' : 'ready';
    this.specialTokens = options.endOfTextToken === false ? {} : { eos: END_OF_TEXT };
    this.#characters = [END_OF_TEXT, '\uFFFD', ...[...new Set(options.trainingText)].sort()];
    this.#idOf = new Map(this.#characters.map((character, id) => [character, id]));
    this.vocabularySize = this.#characters.length;
    this.#logits = countBigrams(this.tokenize(options.trainingText), this.vocabularySize);
  }

  /** Ready to generate, also after a crash. */
  markReady(): void {
    this.#health = 'ready';
    this.#failure = null;
    this.#restartDueMs = null;
  }

  /**
   * Every later generate() throws `error`, as a crashed worker would; health becomes "failed". With `restartInMs`
   * it reports a restart due then (restartInMs()), as the ONNX runtime does while its worker waits to restart;
   * markReady() stands for the restart.
   */
  crash(error = new Error('bigram test generator: worker crashed'), options: { restartInMs?: number } = {}): void {
    this.#health = 'failed';
    this.#failure = error;
    this.#restartDueMs = options.restartInMs === undefined ? null : performance.now() + options.restartInMs;
  }

  health(): GeneratorHealth {
    return this.#health;
  }

  restartInMs(): number | null {
    return this.#restartDueMs === null ? null : Math.max(0, this.#restartDueMs - performance.now());
  }

  tokenize(text: string): number[] {
    return [...text].map((character) => this.#idOf.get(character) ?? UNKNOWN_ID);
  }

  detokenize(tokenIds: number[]): string {
    return tokenIds.map((id) => (id === END_ID ? '' : (this.#characters[id] ?? '\uFFFD'))).join('');
  }

  async *generate(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    this.active++;
    try {
      yield* this.#sample(request, signal);
    } finally {
      this.active--;
    }
  }

  async *#sample(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    const random = seededRandom(request.seed ?? randomInt(2 ** 47));
    const counts = new Map<number, number>();
    if (request.promptTokens.length === 0 && this.specialTokens.eos === undefined) {
      throw new Error(`model "${this.modelId}": the prompt is empty and the model has no end-of-text token to start from`);
    }
    let previous = request.promptTokens.at(-1) ?? END_ID;
    for (let produced = 0; produced < request.maxTokens; produced++) {
      // Yielding to the event loop each token keeps /health and other requests answered while generating.
      await (this.tokenDelayMs > 0 ? sleep(this.tokenDelayMs) : nextTurn());
      if (this.#failure) throw this.#failure;
      if (signal.aborted) return;
      const adjusted = adjustLogits(this.#logits[previous]!, request, counts);
      const tokenId = pickToken(adjusted, request, random);
      if (tokenId === END_ID) {
        yield { type: 'finish', reason: 'stop' };
        return;
      }
      counts.set(tokenId, (counts.get(tokenId) ?? 0) + 1);
      yield { type: 'token', tokenId, text: this.detokenize([tokenId]), ...this.#logprobsFor(adjusted, tokenId, request) };
      previous = tokenId;
    }
    yield { type: 'finish', reason: 'length' };
  }

  /** Each token scored from the one before it (a bigram's whole context), as the ONNX runtime scores a prompt. */
  async scorePrompt(promptTokens: readonly number[], topLogprobs: number, signal: AbortSignal): Promise<PromptScore> {
    await nextTurn();
    signal.throwIfAborted();
    if (this.#failure) throw this.#failure;
    const textOf = (id: number) => this.detokenize([id]);
    const scoreAfter = (previous: number, tokenId: number) => {
      const logprobs = this.#logits[previous]!;
      return { logprob: logprobs[tokenId]!, topLogprobs: topAlternatives(logprobs, topLogprobs, textOf) };
    };
    const tokens = promptTokens.map((tokenId, index) => {
      const scored = index === 0 ? null : scoreAfter(promptTokens[index - 1]!, tokenId);
      return { tokenId, text: textOf(tokenId), logprob: scored?.logprob ?? null, topLogprobs: scored?.topLogprobs ?? null };
    });
    const last = promptTokens.at(-1);
    const endOfText = last === undefined || this.specialTokens.eos === undefined ? null : { tokenId: END_ID, text: END_OF_TEXT, ...scoreAfter(last, END_ID) };
    return { tokens, endOfText };
  }

  #logprobsFor(adjusted: Float64Array, tokenId: number, request: GenerationRequest) {
    if (!request.logprobs) return {};
    const logprobs = logSoftmax(adjusted);
    const textOf = (id: number) => this.detokenize([id]);
    return { logprob: logprobs[tokenId]!, topLogprobs: topAlternatives(logprobs, request.topLogprobs, textOf) };
  }
}

function countBigrams(tokenIds: number[], vocabularySize: number): Float64Array[] {
  const counts = Array.from({ length: vocabularySize }, () => new Float64Array(vocabularySize).fill(1));
  // The text's end is an end-of-text after its last character, so the model can learn to stop.
  const sequence = [END_ID, ...tokenIds, END_ID];
  for (let i = 1; i < sequence.length; i++) counts[sequence[i - 1]!]![sequence[i]!]! += 1;
  return counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count) => Math.log(count / total));
  });
}
