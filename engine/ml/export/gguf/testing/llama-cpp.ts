// Test and bench support: llama.cpp itself (node-llama-cpp's CPU prebuilt, never built or downloaded) on an exported
// GGUF — its tokenizer, greedy decoding, per-position argmax and next-token probabilities — in plain number ids.
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';

let shared: Promise<Llama> | null = null;

/** One llama.cpp instance per process, on the CPU. */
export function llamaCpp(): Promise<Llama> {
  shared ??= getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, progressLogs: false });
  return shared;
}

export class LlamaCppModel {
  private constructor(
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly sequence: LlamaContextSequence,
  ) {}

  /**
   * `contextSize` must stay within the model's context: GPT-2's position table ends there. `float32Cache` keeps
   * llama.cpp's KV cache in F32 instead of its default F16, so attention is not rounded on the way.
   */
  static async load(ggufPath: string, options: { contextSize: number; threads?: number; float32Cache?: boolean }): Promise<LlamaCppModel> {
    const model = await (await llamaCpp()).loadModel({ modelPath: ggufPath });
    const cache = options.float32Cache === true ? { experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32', flashAttention: false } as const : {};
    const context = await model.createContext({ contextSize: options.contextSize, threads: options.threads ?? 1, ...cache });
    return new LlamaCppModel(model, context, context.getSequence());
  }

  tokenize(text: string): number[] {
    return this.model.tokenize(text).map(Number);
  }

  /** `count` tokens after `prompt`, always the most likely one (end of text included, as a token like any other). */
  async greedy(prompt: readonly number[], count: number): Promise<number[]> {
    await this.sequence.clearHistory();
    const generated: number[] = [];
    for await (const token of this.sequence.evaluate(prompt as Token[], { temperature: 0 })) {
      generated.push(Number(token));
      if (generated.length >= count) break;
    }
    return generated;
  }

  /** For each position from `from` on: the most likely next token and the whole next-token distribution (V values). */
  async nextTokens(ids: readonly number[], from: number, vocabSize: number): Promise<{ argmax: number; probabilities: Float64Array }[]> {
    await this.sequence.clearHistory();
    const wanted = { generateNext: { token: true, probabilities: true, options: { temperature: 0 } } } as const;
    const results = await this.sequence.controlledEvaluate(ids.map((id, index) => (index >= from ? [id as Token, wanted] : (id as Token))));
    return ids.slice(from).map((_, offset) => {
      const next = results[from + offset]?.next;
      if (next?.token === undefined || next.token === null || next.probabilities === undefined) throw new Error(`llama.cpp gave no next token at position ${from + offset}`);
      const probabilities = new Float64Array(vocabSize);
      for (const [token, probability] of next.probabilities) probabilities[Number(token)] = probability;
      return { argmax: Number(next.token), probabilities };
    });
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}
