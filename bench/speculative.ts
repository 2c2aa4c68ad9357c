// `node --import tsx bench/speculative.ts`: single-stream decode speed with a draft model (speculative decoding,
// engine/inference/speculative-step.ts) against the same target alone, in-process through the decode loop (no HTTP),
// 1 ORT thread, greedy, end-of-text banned so every run gives --tokens tokens; medians of --runs interleaved runs.
//
// Flags: --target DIR --draft DIR (a model folder and its draft, e.g. bench:compress's teacher and distilled student;
// one without the other is refused); without both, a random-weight 10.7M char model (6/6/384, block 256) and, as its
// draft, its own int4 quantization (a "self-draft": same tokenizer, close logits). --proposals 2,4 (k values),
// --tokens N (128), --runs N (5), --temperature T (0 = greedy; otherwise seeded sampling, top-k 200).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDecoderPair, releaseDecoderPair } from '../engine/inference/decoder-pair.ts';
import { DecodeLoop } from '../engine/inference/decode-loop.ts';
import { readServableModel, recordedPrecision, type ServableModel } from '../engine/inference/model-files.ts';
import { readDraftModel } from '../engine/inference/speculative-draft.ts';
import { SpeculativeDecoder } from '../engine/inference/speculative-step.ts';
import { generationRequest } from '../engine/inference/testing/generation-request.ts';
import { quantizeModelFolder } from '../engine/ml/quantize/quantize-model-folder.ts';
import { quantizeConfig } from '../nodes/quantize/spec.ts';
import { SHAKESPEARE_CHAR_SHAPE, writeCharModel } from './char-model.ts';
import { median } from './median.ts';

const PROMPT = 'ROMEO:\nBut soft, what light';

const { values } = parseArgs({
  options: {
    target: { type: 'string' }, draft: { type: 'string' }, proposals: { type: 'string' }, tokens: { type: 'string' },
    runs: { type: 'string' }, temperature: { type: 'string' },
  },
});
const proposalCounts = (values.proposals ?? '2,4').split(',').map(Number);
const tokens = Number(values.tokens ?? 128);
const runs = Number(values.runs ?? 5);
const temperature = Number(values.temperature ?? 0);
const givenPair = pairFromFlags(values.target, values.draft);

/** Both folders, or null for neither; one alone is refused rather than benchmarking the self-draft pair instead. */
function pairFromFlags(target: string | undefined, draft: string | undefined): { target: string; draft: string } | null {
  if (!target && !draft) return null;
  if (!target || !draft) {
    const [given, missing] = target ? ['--target', '--draft'] : ['--draft', '--target'];
    throw new Error(`bench:speculative: ${given} was given without ${missing}; pass both --target DIR --draft DIR (a model folder and its draft), or neither for a random model and its int4 copy as the draft`);
  }
  return { target: path.resolve(target), draft: path.resolve(draft) };
}

/** A random 10.7M char model and its int4 copy. */
function writeSelfDraftPair(root: string): { target: string; draft: string } {
  const { folder: target } = writeCharModel(path.join(root, 'target'), { shape: SHAKESPEARE_CHAR_SHAPE, bench: 'speculative' });
  const draft = path.join(root, 'draft-int4');
  quantizeModelFolder({ sourceFolder: target, targetFolder: draft, settings: quantizeConfig.parse({ scheme: 'int4' }), provenance: {} });
  return { target, draft };
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'crucible-bench-speculative-'));
  try {
    await benchIn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The bench, writing its self-draft pair (when no --target/--draft) under `root`. */
async function benchIn(root: string): Promise<void> {
  const pairFolders = givenPair ?? writeSelfDraftPair(root);
  const precision = recordedPrecision(pairFolders.target);
  const target: ServableModel = readServableModel(pairFolders.target, precision);
  const draftData = readDraftModel(pairFolders.draft, target, Math.max(...proposalCounts));
  const sessionOptions = { intraOpThreads: 1 };
  const targetPair = await loadDecoderPair({ modelFolder: pairFolders.target, precision, decoderPath: target.decoderPath, config: target.config }, sessionOptions, { manyTokens: true });
  const draftPair = await loadDecoderPair(draftData, sessionOptions);
  const promptTokens = target.tokenizer.encode(PROMPT);
  const eos = target.eosTokenId;
  const request = (seed: number) => generationRequest({ promptTokens, maxTokens: tokens, temperature, topK: temperature === 0 ? 0 : 200, seed, logitBias: new Map(eos === null ? [] : [[eos, -100]]) });
  const sampledVocabSize = Math.min(target.config.vocabSize, target.tokenizer.vocabSize);

  /** Decode tokens per second after the first token, and the speculative decoder's counts. */
  const runOnce = async (proposals: number, seed: number) => {
    const speculative = proposals === 0 ? undefined : new SpeculativeDecoder({
      draft: { prefill: draftPair.prefill, step: draftPair.step, config: draftData.config }, targetVerify: targetPair.stepMany!, targetStep: targetPair.step,
      targetConfig: target.config, proposals, maxBatchSize: 1, eosTokenId: eos, sampledVocabSize, slotChunk: 32,
    });
    let first = 0;
    let count = 0;
    const loop = new DecodeLoop({
      prefillSession: targetPair.prefill, stepSession: targetPair.step, config: target.config, eosTokenId: eos, sampledVocabSize, maxBatchSize: 1,
      ...(speculative ? { speculative } : {}),
      emit: (events) => {
        for (const event of events) {
          if (event.type === 'error') throw new Error(event.message);
          if (event.type !== 'token') continue;
          if (count === 0) first = performance.now();
          count += 1;
        }
      },
    });
    loop.submit(0, request(seed));
    await loop.idle();
    const seconds = (performance.now() - first) / 1000;
    return { tokensPerSecond: (count - 1) / seconds, count, stats: speculative?.stats };
  };

  const modes = [0, ...proposalCounts];
  const results = new Map(modes.map((mode) => [mode, [] as Awaited<ReturnType<typeof runOnce>>[]]));
  await runOnce(0, 0); // warm-up
  for (let run = 0; run < runs; run++) for (const mode of modes) results.get(mode)!.push(await runOnce(mode, run + 1));

  const baseline = median(results.get(0)!.map((result) => result.tokensPerSecond));
  console.log(`\ntarget ${pairFolders.target} (${precision}), draft ${pairFolders.draft} (${draftData.precision}); ${tokens} tokens, temperature ${temperature}, 1 thread, median of ${runs}\n`);
  console.log('| draft tokens k | tok/s (min–max) | speed-up | acceptance | tokens per target step |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const mode of modes) {
    const rates = results.get(mode)!.map((result) => result.tokensPerSecond);
    const stats = results.get(mode)!.map((result) => result.stats).filter((stat) => stat !== undefined);
    const sum = (pick: (stat: NonNullable<(typeof stats)[number]>) => number) => stats.reduce((total, stat) => total + pick(stat), 0);
    const acceptance = mode === 0 ? '—' : `${((100 * sum((stat) => stat.accepted)) / sum((stat) => stat.proposed)).toFixed(1)}%`;
    const perStep = mode === 0 ? '1.00' : (sum((stat) => stat.tokens) / sum((stat) => stat.steps)).toFixed(2);
    const range = `${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}`;
    console.log(`| ${mode === 0 ? 'none (target alone)' : mode} | ${median(rates).toFixed(0)} (${range}) | ${(median(rates) / baseline).toFixed(2)}× | ${acceptance} | ${perStep} |`);
  }
  await Promise.all([releaseDecoderPair(targetPair), releaseDecoderPair(draftPair)]);
}

await main();
