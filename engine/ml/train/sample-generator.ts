// Samples while training: at each evaluation the trainer continues a configured prompt with the current weights, so
// a run shows what its model writes as it learns (nanoGPT prints these). A forward-only session over the trained
// family (adapters included) reads one window of blockSize tokens: the context sits at its start, the rest is
// padding the causal mask keeps from the positions read. Each new token is one forward pass; no KV cache, which keeps
// the session one static shape, and a sample is a few dozen tokens on the training window.
//
// Sampling draws from its own seeded generator (seed, step), never the training windows' one, so samples change
// nothing in the run's trajectory or its checkpoints.

import { readFileSync } from 'node:fs';
import type { ComputeDevice } from '../../../app/protocol/compute-devices.ts';
import type { TrainingSample } from '../../../app/run/training-sample.ts';
import { loadHuggingFaceTokenizer, type Tokenizer } from '../../tokenize/index.ts';
import { sampleToken, type SamplingOptions } from '../export/generate.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import { Graph } from '../graph/graph.ts';
import { createModelSession, type ModelSession } from '../runtime/session.ts';
import { createRandom } from '../tensor/random.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import type { ModelFamily } from './step/model-family.ts';

/** What a training job asks of its samples; absent or `maxNewTokens: 0` writes none. */
export interface SampleJob {
  prompt: string;
  maxNewTokens: number;
  /** The tokenizer the training tokens were made with (the Tokens artifact's copy). */
  tokenizerJsonPath: string;
}

/** nanoGPT's sample.py defaults: warm enough to show variety, top-k to keep the tail out. */
export const TRAINING_SAMPLE_SAMPLING: SamplingOptions = { temperature: 0.8, topK: 200 };

/** The prompt cannot be sampled from with this tokenizer: the run goes on without samples and says why. */
export class SamplePromptError extends Error {
  override name = 'SamplePromptError';
}

export class SampleGenerator {
  private constructor(
    private readonly session: ModelSession,
    private readonly tokenizer: Tokenizer,
    private readonly promptIds: number[],
    private readonly job: SampleJob,
    private readonly window: number,
    private readonly vocabSize: number,
    private readonly seed: number,
  ) {}

  static async create(family: ModelFamily, window: number, vocabSize: number, job: SampleJob, options: { threads: number; device?: ComputeDevice; seed: number }): Promise<SampleGenerator> {
    const tokenizer = loadHuggingFaceTokenizer(JSON.parse(readFileSync(job.tokenizerJsonPath, 'utf8')), job.tokenizerJsonPath);
    const promptIds = tokenizer.encode(job.prompt);
    if (promptIds.length === 0) throw new SamplePromptError(`samplePrompt ${JSON.stringify(job.prompt)} encodes to no tokens, so no samples are written; give it at least one character, or set sampleTokens to 0`);
    if (promptIds.some((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize)) {
      throw new SamplePromptError(`samplePrompt ${JSON.stringify(job.prompt)} has characters the tokenizer does not know (it has no unknown token), so no samples are written; use characters from the training text, or set sampleTokens to 0`);
    }
    const graph = new Graph({ name: `${family.name}-training-sample` });
    const parameters = new Map(family.parameters.map((spec) => [spec.name, graph.input(spec.name, 'float32', spec.shape)]));
    const tokens = graph.input('tokens', 'int64', [1, window]);
    graph.output(family.forward({ tokens, parameters, dropoutMasks: new Map() }).flatLogits, 'logits');
    const session = await createModelSession(graph.toBytes(), { intraOpThreads: options.threads, device: options.device ?? 'cpu', memory: 'lean' });
    return new SampleGenerator(session, tokenizer, promptIds, job, window, vocabSize, options.seed);
  }

  /** The prompt continued by the weights as they are at `step`. */
  async generate(parameters: ParameterSet, step: number): Promise<TrainingSample> {
    const random = createRandom((this.seed ^ Math.imul(step, 0x9e3779b1)) >>> 0);
    const context = [...this.promptIds];
    const generated: number[] = [];
    const feeds: Record<string, HostTensor> = Object.fromEntries(parameters);
    while (generated.length < this.job.maxNewTokens) {
      const visible = context.slice(-this.window);
      const ids = new BigInt64Array(this.window);
      visible.forEach((id, index) => (ids[index] = BigInt(id)));
      const { logits } = await this.session.run({ ...feeds, tokens: { dtype: 'int64', shape: [1, this.window], data: ids } }, ['logits']);
      const row = (logits as HostTensor).data as Float32Array;
      const last = visible.length - 1;
      const id = sampleToken(row.subarray(last * this.vocabSize, (last + 1) * this.vocabSize), TRAINING_SAMPLE_SAMPLING, random);
      generated.push(id);
      context.push(id);
    }
    return { step, prompt: this.job.prompt, text: this.tokenizer.decode(generated) };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
