// llama.cpp itself (node-llama-cpp, CPU) on Crucible's GGUF exports of small trained models, char and byte-level
// BPE, against Crucible's own runtime on the same model folder: the same prompt tokens; greedy tokens identical for
// F32 and F16 (4 prompts × 32 tokens); next-token probabilities within 1e-3 for F32 at every position; top-1
// agreement at least 95% for Q8_0, and reported for Q4_0 (each position given the float32 greedy text so far).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GgufQuantization } from '../../../../app/artifacts/export-layout.ts';
import { OnnxTextGenerator } from '../../../inference/onnx-text-generator.ts';
import { generationRequest } from '../../../inference/testing/generation-request.ts';
import { DecoderSession } from '../decoder-session.ts';
import { MODEL_FILES } from '../model-folder.ts';
import { writeTrainedModelFolder, type TrainedModelFolder } from '../testing/trained-model-folder.ts';
import { LlamaCppModel } from './testing/llama-cpp.ts';
import { writeGgufModel } from './write-gguf.ts';

const PROMPTS = ['First Citizen:\n', 'Café, naïve, über', 'All: Speak, speak.', 'MENENIUS:\nWhat is'];
const NEW_TOKENS = 32;
const QUANTIZATIONS: GgufQuantization[] = ['f32', 'f16', 'q8_0', 'q4_0'];

interface Reference {
  prompt: number[];
  /** Crucible's greedy continuation (ends early at end of text). */
  greedy: number[];
  /** Crucible's next-token distribution after each token from the prompt's last on. */
  probabilities: Float64Array[];
}

describe.each(['char', 'bpe'] as const)('llama.cpp on a %s model exported to GGUF', (kind) => {
  let fixture: TrainedModelFolder;
  const llama = new Map<GgufQuantization, LlamaCppModel>();
  const references: Reference[] = [];

  beforeAll(async () => {
    fixture = await writeTrainedModelFolder({ tokenizer: kind, steps: 400 });
    for (const quantization of QUANTIZATIONS) {
      const file = path.join(fixture.root, `${quantization}.gguf`);
      writeGgufModel({ modelFolder: fixture.folder, file, quantization, name: `test-${kind}` });
      llama.set(quantization, await LlamaCppModel.load(file, { contextSize: fixture.config.blockSize }));
    }
    const generator = new OnnxTextGenerator({ modelDir: fixture.folder, modelId: kind, log: () => undefined });
    const decoder = await DecoderSession.create(fixture.config, readFileSync(path.join(fixture.folder, MODEL_FILES.decoder)));
    try {
      for (const text of PROMPTS) {
        const prompt = fixture.tokenizer.encode(text);
        const greedy: number[] = [];
        for await (const event of generator.generate(generationRequest({ promptTokens: prompt, maxTokens: NEW_TOKENS }), new AbortController().signal)) {
          if (event.type === 'token') greedy.push(event.tokenId);
        }
        decoder.reset();
        const logits = await decoder.append([...prompt, ...greedy]);
        const rows = Array.from({ length: greedy.length + 1 }, (_, offset) => softmax(logits.subarray((prompt.length - 1 + offset) * fixture.config.vocabSize, (prompt.length + offset) * fixture.config.vocabSize)));
        references.push({ prompt, greedy, probabilities: rows });
      }
    } finally {
      await Promise.all([generator.close(), decoder.release()]);
    }
  }, 120_000);

  afterAll(async () => {
    for (const model of llama.values()) await model.dispose();
    fixture?.remove();
  });

  it('tokenizes the prompts as Crucible does', () => {
    for (const [index, text] of PROMPTS.entries()) expect(llama.get('f32')!.tokenize(text)).toEqual(references[index]!.prompt);
  });

  it.runIf(kind === 'char')('drops a character outside the vocabulary, where Crucible encodes <unk> (the export warns)', () => {
    const ours = fixture.tokenizer.encode('a€b');
    expect(ours).toEqual([fixture.tokenizer.idOf('a'), fixture.tokenizer.idOf('<unk>'), fixture.tokenizer.idOf('b')]);
    expect(llama.get('f32')!.tokenize('a€b')).toEqual([ours[0], ours[2]]);
  });

  it.each(['f32', 'f16'] as const)('%s: greedy decoding gives Crucible\'s tokens, 32 per prompt', async (quantization) => {
    for (const reference of references) {
      const theirs = await llama.get(quantization)!.greedy(reference.prompt, NEW_TOKENS);
      expect(theirs.slice(0, reference.greedy.length)).toEqual(reference.greedy);
      // Crucible stopped at end of text (it yields no token for it); llama.cpp wrote that token there.
      if (reference.greedy.length < NEW_TOKENS) expect(fixture.tokenizer.tokenOf(theirs[reference.greedy.length]!)).toBe('<|endoftext|>');
    }
  });

  it('f32: next-token probabilities within 1e-3 of Crucible\'s at every position', async ({ annotate }) => {
    let worst = 0;
    for (const reference of references) {
      const ids = [...reference.prompt, ...reference.greedy];
      const theirs = await llama.get('f32')!.nextTokens(ids, reference.prompt.length - 1, fixture.config.vocabSize);
      theirs.forEach(({ probabilities }, position) => probabilities.forEach((p, token) => (worst = Math.max(worst, Math.abs(p - reference.probabilities[position]![token]!)))));
    }
    await annotate(`largest probability difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-3);
  });

  it.for([
    ['q8_0', 0.95],
    ['q4_0', 0.5],
  ] as const)('%s: top-1 agreement with Crucible\'s float32 model (at least %d)', async ([quantization, floor], { annotate }) => {
    let agreed = 0;
    let total = 0;
    for (const reference of references) {
      const ids = [...reference.prompt, ...reference.greedy];
      const theirs = await llama.get(quantization)!.nextTokens(ids, reference.prompt.length - 1, fixture.config.vocabSize);
      theirs.forEach(({ argmax }, position) => {
        total++;
        if (argmax === argmaxOf(reference.probabilities[position]!)) agreed++;
      });
    }
    await annotate(`${quantization}: ${agreed}/${total} positions agree (${((100 * agreed) / total).toFixed(1)}%)`);
    expect(agreed / total).toBeGreaterThanOrEqual(floor);
  });
});

function softmax(logits: Float32Array): Float64Array {
  const largest = Math.max(...logits);
  const exps = Float64Array.from(logits, (logit) => Math.exp(logit - largest));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

function argmaxOf(values: Float64Array): number {
  let best = 0;
  values.forEach((value, index) => {
    if (value > values[best]!) best = index;
  });
  return best;
}
