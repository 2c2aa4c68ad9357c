// The PyTorch trainer (crucible_torch) run for real with /usr/bin/python3: the same losses as the ONNX Runtime
// trainer for the same seed and shards, the engine's seeded init bit for bit, exact resume after a killed run,
// 2 gloo ranks = 1 rank on the same global batch (with a loss mask and accumulation), LoRA training only adapters,
// and a clean error event for bad jobs. Skipped with the reason when this Python has no torch, except in CI.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../ml/export/safetensors.ts';
import { gpt2Config } from '../ml/gpt2/config.ts';
import { initGpt2Parameters } from '../ml/gpt2/parameters.ts';
import { llamaConfig } from '../ml/llama/config.ts';
import { initLlamaParameters } from '../ml/llama/parameters.ts';
import { initLoraAdapters, type LoraOptions } from '../ml/lora/index.ts';
import { trainModel } from '../ml/train/trainer.ts';
import type { LlamaShapeSettings } from '../ml/train/training-settings.ts';
import type { HostTensor } from '../ml/tensor/host-tensor.ts';
import { eventsOf, lossesOf, PACKAGE_ROOT, PYTHON, runTorchJob, runTorchRanks, tinySettings, torchUnavailableReason, writeJob, writeTinyShards, type Shards } from './testing/torch-runner.ts';

const unavailable = torchUnavailableReason();
if (unavailable !== null) {
  if (process.env.CI) throw new Error(`crucible_torch tests need torch in CI: ${unavailable}`);
  console.warn(`skipping crucible_torch tests: ${unavailable}`);
}

const floats = (tensor: HostTensor) => Array.from(tensor.data as Float32Array);
const maxAbsDiff = (a: readonly number[], b: readonly number[]) => a.reduce((worst, value, index) => Math.max(worst, Math.abs(value - (b[index] as number))), 0);

describe.skipIf(unavailable !== null)('crucible_torch', () => {
  let dir: string;
  let shards: Shards;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'crucible-torch-'));
    shards = writeTinyShards(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const onnxLosses = async (settings: ReturnType<typeof tinySettings>, masked: boolean, name: string, llama?: LlamaShapeSettings) => {
    const base = (file: string) => file.replace(/\.bin$/, '');
    const reports: { loss: number; valLoss?: number; trainLoss?: number }[] = [];
    const result = await trainModel(
      { settings, llama, trainShard: base(shards.train), valShard: base(shards.val), trainMask: masked ? shards.trainMask : null, valMask: masked ? shards.valMask : null, checkpointDir: path.join(dir, `${name}-onnx`) },
      { onStep: (report) => reports.push(report) },
    );
    return { losses: reports.map((report) => report.loss), valLosses: reports.flatMap((report) => (report.valLoss === undefined ? [] : [report.valLoss])), parameters: result.parameters };
  };

  it('trains GPT-2 with the ONNX Runtime trainer\'s losses, eval losses and weights for the same seed and shards', async () => {
    const settings = tinySettings();
    const outDir = path.join(dir, 'plain');
    const run = await runTorchJob(writeJob(path.join(dir, 'plain.json'), { shards, outDir, settings }));
    expect(run.code, run.stderr).toBe(0);
    const reference = await onnxLosses(settings, false, 'plain');
    const losses = lossesOf(run);
    expect(losses).toHaveLength(12);
    expect(losses.at(-1)).toBeLessThan((losses[0] as number) - 0.3);
    expect(maxAbsDiff(losses, reference.losses)).toBeLessThan(1e-5);
    expect(maxAbsDiff(eventsOf(run, 'eval').map((event) => event.valLoss as number), reference.valLosses)).toBeLessThan(1e-5);
    const done = eventsOf(run, 'done')[0];
    expect(done).toMatchObject({ step: 12, safetensors: path.join(outDir, 'model.safetensors'), config: path.join(outDir, 'config.json'), adapters: null });
    const trained = readSafetensors(done?.safetensors as string).tensors;
    for (const [name, tensor] of reference.parameters) expect(maxAbsDiff(floats(trained.get(name) as HostTensor), Array.from(tensor.data as Float32Array)), name).toBeLessThan(1e-4);
    expect(JSON.parse(readFileSync(path.join(outDir, 'config.json'), 'utf8'))).toMatchObject({ model_type: 'gpt2', n_layer: 2, n_head: 2, n_embd: 32, vocab_size: 32 });
  });

  it('draws the engine\'s initial GPT-2 and Llama weights and LoRA adapters bit for bit from the same seed', () => {
    const configs = {
      gpt2: gpt2Config({ vocabSize: 40, nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 8 }),
      llama: llamaConfig({ vocabSize: 40, nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 16, blockSize: 8, intermediateSize: 24, tieEmbeddings: false, attentionBias: true }),
    };
    const lora: Record<string, LoraOptions> = {
      gpt2: { rank: 3, alpha: 6, dropout: 0, targets: ['mlp.c_proj', 'attn.c_attn'] },
      llama: { rank: 2, alpha: 4, dropout: 0, targets: ['mlp.up_proj', 'self_attn.k_proj', 'self_attn.o_proj'] },
    };
    for (const [family, config] of Object.entries(configs)) {
      const file = path.join(dir, `init-${family}.safetensors`);
      const script = [
        'import json',
        `from crucible_torch.models.${family} import build, init_weights`,
        'from crucible_torch.lora import adapter_state, apply_lora',
        'from crucible_torch.safetensors_io import write_safetensors',
        `config = json.loads(${JSON.stringify(JSON.stringify(config))})`,
        'model = build(config)',
        `apply_lora(model, json.loads(${JSON.stringify(JSON.stringify(lora[family]))}), 4242)`,
        `write_safetensors(${JSON.stringify(file)}, {**init_weights(config, 4242), **adapter_state(model)})`,
      ].join('\n');
      const probe = spawnSync(PYTHON, ['-c', script], { env: { ...process.env, PYTHONPATH: PACKAGE_ROOT }, encoding: 'utf8' });
      expect(probe.status, probe.stderr).toBe(0);
      const torchInit = readSafetensors(file).tensors;
      const engineInit = new Map([
        ...(family === 'gpt2' ? initGpt2Parameters(configs.gpt2, 4242) : initLlamaParameters(configs.llama, 4242)),
        ...initLoraAdapters(config, lora[family] as LoraOptions, 4242),
      ]);
      expect([...torchInit.keys()].sort()).toEqual([...engineInit.keys()].sort());
      for (const [name, tensor] of engineInit) expect(Buffer.from((torchInit.get(name) as HostTensor).data.buffer).equals(Buffer.from(tensor.data.buffer)), name).toBe(true);
    }
  });

  it('computes the PyTorch parity fixtures of GPT-2 and Llama (logits, gradients, clipped AdamW steps) with its own models', () => {
    for (const family of ['gpt2', 'llama']) {
      const check = spawnSync(PYTHON, [path.join(PACKAGE_ROOT, 'testing', 'parity_fixture_check.py'), family, path.resolve(PACKAGE_ROOT, '..', 'ml', 'parity', 'fixtures')], { env: { ...process.env, PYTHONPATH: PACKAGE_ROOT }, encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      const cases = JSON.parse(check.stdout) as Record<string, Record<string, number>>;
      expect(Object.keys(cases).length, family).toBeGreaterThan(0);
      // The fixtures are float64 results stored as float32: agreement to float32 rounding.
      for (const [name, errors] of Object.entries(cases)) for (const [what, error] of Object.entries(errors)) expect(error, `${family} ${name} ${what}`).toBeLessThan(1e-6);
    }
  });

  it('trains a Llama (grouped-query attention, untied head) with the ONNX Runtime trainer\'s losses, and LoRA-tunes it on q/v/down with Linear-layout merges and a PEFT folder', async () => {
    const llama = { nKvHead: 2, intermediateSize: 64, ropeTheta: 10000, tieEmbeddings: false };
    const model = { architecture: 'llama', ...llama, headDim: 8, rmsNormEps: 1e-5, attentionBias: false, mlpBias: false };
    const settings = tinySettings({ maxSteps: 8, nHead: 4 });
    const base = path.join(dir, 'llama');
    const pretrain = await runTorchJob(writeJob(path.join(dir, 'llama.json'), { shards, outDir: base, settings, model }));
    expect(pretrain.code, pretrain.stderr).toBe(0);
    const losses = lossesOf(pretrain);
    expect(losses.at(-1)).toBeLessThan((losses[0] as number) - 0.2);
    const reference = await onnxLosses(settings, false, 'llama', llama);
    expect(maxAbsDiff(losses, reference.losses)).toBeLessThan(1e-5);
    expect(maxAbsDiff(eventsOf(pretrain, 'eval').map((event) => event.valLoss as number), reference.valLosses)).toBeLessThan(1e-5);
    expect(JSON.parse(readFileSync(path.join(base, 'config.json'), 'utf8'))).toMatchObject({ model_type: 'llama', num_attention_heads: 4, num_key_value_heads: 2, head_dim: 8, tie_word_embeddings: false });
    expect(readSafetensors(path.join(base, 'model.safetensors')).tensors.get('model.layers.1.self_attn.k_proj.weight')?.shape).toEqual([16, 32]);
    const lora = { rank: 4, alpha: 8, dropout: 0.1, targets: ['self_attn.q_proj', 'self_attn.v_proj', 'mlp.down_proj'] };
    const outDir = path.join(dir, 'llama-lora');
    const run = await runTorchJob(writeJob(path.join(dir, 'llama-lora.json'), { shards, outDir, settings: tinySettings({ maxSteps: 4, learningRate: 1e-2, nHead: 4 }), model, kind: 'finetune', init: path.join(base, 'model.safetensors'), lora }));
    expect(run.code, run.stderr).toBe(0);
    // per layer: q A (4, 32) B (32, 4), v A (4, 32) B (16, 4), down A (4, 64) B (32, 4)
    expect(eventsOf(run, 'start')[0]).toMatchObject({ trainableParameters: 2 * (128 + 128 + 128 + 64 + 256 + 128) });
    const baseWeights = readSafetensors(path.join(base, 'model.safetensors')).tensors;
    const merged = readSafetensors(path.join(outDir, 'model.safetensors')).tensors;
    const adapters = readSafetensors(path.join(outDir, 'adapters.safetensors')).tensors;
    const name = 'model.layers.1.mlp.down_proj';
    const [a, b, weight] = [adapters.get(`${name}.lora_A`), adapters.get(`${name}.lora_B`), baseWeights.get(`${name}.weight`)] as HostTensor[];
    const [outFeatures, inFeatures] = weight?.shape as [number, number];
    const expected = floats(weight as HostTensor).map((value, index) => {
      const [row, column] = [Math.floor(index / inFeatures), index % inFeatures]; // W [out, in] += 2 B A
      let product = 0;
      for (let r = 0; r < 4; r++) product += (b?.data[row * 4 + r] as number) * (a?.data[r * inFeatures + column] as number);
      return value + 2 * product;
    });
    expect(outFeatures).toBe(32);
    expect(maxAbsDiff(floats(merged.get(`${name}.weight`) as HostTensor), expected)).toBeLessThan(1e-6);
    expect(Buffer.from((merged.get('model.layers.1.self_attn.k_proj.weight') as HostTensor).data.buffer).equals(Buffer.from((baseWeights.get('model.layers.1.self_attn.k_proj.weight') as HostTensor).data.buffer))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(outDir, 'adapter', 'adapter_config.json'), 'utf8'))).toMatchObject({ target_modules: ['q_proj', 'v_proj', 'down_proj'], fan_in_fan_out: false });
  });

  it('resumes a killed run from its last checkpoint with the losses of an uninterrupted run (dropout on)', async () => {
    // 100 steps, so the run is still going when its first checkpoint's event has come through this process (of 12,
    // the last 8 took ~150 ms after it, and a loaded machine could let the run end before the kill).
    const settings = tinySettings({ dropout: 0.1, checkpointInterval: 4, maxSteps: 100 });
    const whole = await runTorchJob(writeJob(path.join(dir, 'whole.json'), { shards, outDir: path.join(dir, 'whole'), settings }));
    expect(whole.code, whole.stderr).toBe(0);
    const job = writeJob(path.join(dir, 'killed.json'), { shards, outDir: path.join(dir, 'killed'), settings });
    const killed = await runTorchJob(job, (event, child) => event.event === 'checkpoint' && child.kill('SIGKILL'));
    expect(killed.code).not.toBe(0);
    const resumed = await runTorchJob(job);
    expect(resumed.code, resumed.stderr).toBe(0);
    const from = eventsOf(resumed, 'start')[0]?.resumedFromStep as number;
    expect(from % 4 === 0 && from >= 4 && from < 100, `resumed from step ${from}`).toBe(true);
    expect(eventsOf(resumed, 'step')[0]?.step).toBe(from + 1);
    expect(lossesOf(resumed)).toEqual(lossesOf(whole).slice(from));
    expect(eventsOf(resumed, 'eval')).toEqual(eventsOf(whole, 'eval').filter((event) => (event.step as number) > from));
  });

  it('2 gloo ranks on half the rows each match 1 rank in uneven micro-batches and the ONNX Runtime trainer on the same global batch (loss mask, accumulation)', async () => {
    const settings = tinySettings({ maxSteps: 6, evalInterval: 6 });
    const options = { shards, settings, masked: true };
    const [oneRank, twoRanks] = [
      // The single process also splits its 8 rows into forward/backward passes of 3, 3 and 2 (microBatchRows).
      await runTorchJob(writeJob(path.join(dir, 'one.json'), { ...options, outDir: path.join(dir, 'one'), training: { microBatchRows: 3 } })),
      await runTorchRanks(writeJob(path.join(dir, 'two.json'), { ...options, outDir: path.join(dir, 'two') }), 2),
    ];
    expect(oneRank.code, oneRank.stderr).toBe(0);
    for (const rank of twoRanks) expect(rank.code, rank.stderr).toBe(0);
    expect(twoRanks[1]?.events).toEqual([]); // only rank 0 speaks
    expect(eventsOf(twoRanks[0] as never, 'start')[0]).toMatchObject({ worldSize: 2 });
    const reference = await onnxLosses(settings, true, 'masked');
    expect(maxAbsDiff(lossesOf(twoRanks[0] as never), lossesOf(oneRank))).toBeLessThan(1e-5);
    expect(maxAbsDiff(lossesOf(oneRank), reference.losses)).toBeLessThan(1e-5);
    expect(Math.abs((eventsOf(twoRanks[0] as never, 'eval')[0]?.valLoss as number) - (reference.valLosses[0] as number))).toBeLessThan(1e-5);
  });

  it('LoRA trains only the adapters and writes the merged model, the adapters and a PEFT folder', async () => {
    const settings = tinySettings({ maxSteps: 6 });
    const base = path.join(dir, 'base');
    const pretrain = await runTorchJob(writeJob(path.join(dir, 'base.json'), { shards, outDir: base, settings }));
    expect(pretrain.code, pretrain.stderr).toBe(0);
    const lora = { rank: 4, alpha: 8, dropout: 0, targets: ['attn.c_attn', 'mlp.c_fc'] };
    const outDir = path.join(dir, 'lora');
    const run = await runTorchJob(writeJob(path.join(dir, 'lora.json'), { shards, outDir, settings: tinySettings({ maxSteps: 6, learningRate: 1e-2 }), kind: 'finetune', init: path.join(base, 'model.safetensors'), lora }));
    expect(run.code, run.stderr).toBe(0);
    // per layer: c_attn A (4, 32) + B (96, 4), c_fc A (4, 32) + B (128, 4)
    expect(eventsOf(run, 'start')[0]).toMatchObject({ trainableParameters: 2 * (4 * 32 + 96 * 4 + 4 * 32 + 128 * 4) });
    const losses = lossesOf(run);
    expect(losses.at(-1)).toBeLessThan(losses[0] as number);
    const baseWeights = readSafetensors(path.join(base, 'model.safetensors')).tensors;
    const merged = readSafetensors(path.join(outDir, 'model.safetensors')).tensors;
    const adapters = readSafetensors(path.join(outDir, 'adapters.safetensors')).tensors;
    expect([...adapters.keys()].sort()).toEqual(['0', '1'].flatMap((layer) => ['attn.c_attn', 'mlp.c_fc'].flatMap((target) => [`transformer.h.${layer}.${target}.lora_A`, `transformer.h.${layer}.${target}.lora_B`])).sort());
    expect([...merged.keys()].sort()).toEqual([...baseWeights.keys()].sort());
    for (const [name, tensor] of baseWeights) {
      const prefix = name.replace(/\.weight$/, '');
      const a = adapters.get(`${prefix}.lora_A`);
      if (a === undefined || !name.endsWith('.weight')) {
        expect(Buffer.from((merged.get(name) as HostTensor).data.buffer).equals(Buffer.from(tensor.data.buffer)), `${name} is frozen`).toBe(true);
        continue;
      }
      const b = adapters.get(`${prefix}.lora_B`) as HostTensor;
      const [inFeatures, outFeatures] = tensor.shape as [number, number];
      const expected = floats(tensor).map((value, index) => {
        const [row, column] = [Math.floor(index / outFeatures), index % outFeatures]; // W [in, out] += 2 (B A)ᵀ
        let product = 0;
        for (let r = 0; r < 4; r++) product += (b.data[column * 4 + r] as number) * (a.data[r * inFeatures + row] as number);
        return value + 2 * product;
      });
      expect(maxAbsDiff(floats(merged.get(name) as HostTensor), expected), name).toBeLessThan(1e-6);
      expect(maxAbsDiff(floats(b), new Array(b.data.length).fill(0)), `${name}'s lora_B moved`).toBeGreaterThan(0);
    }
    const peft = JSON.parse(readFileSync(path.join(outDir, 'adapter', 'adapter_config.json'), 'utf8'));
    expect(peft).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['c_attn', 'c_fc'], fan_in_fan_out: true });
    expect([...readSafetensors(path.join(outDir, 'adapter', 'adapter_model.safetensors')).tensors.keys()]).toContain('base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight');
  });

  it('ends a bad job with one error event naming the cause, and exit 2', async () => {
    const settings = tinySettings();
    const cases: [string, Parameters<typeof writeJob>[1], RegExp][] = [
      ['missing-shard', { shards: { ...shards, train: path.join(dir, 'nowhere.bin') }, outDir: path.join(dir, 'bad'), settings }, /job\.data\.train: .*nowhere\.bin does not exist/],
      ['bad-heads', { shards, outDir: path.join(dir, 'bad'), settings, model: { nHead: 3 } }, /nEmbd \(32\) must be divisible by nHead \(3\)/],
      ['window-too-long', { shards, outDir: path.join(dir, 'bad'), settings, training: { blockSize: 64 } }, /job\.training\.blockSize \(64\) exceeds the model's context/],
      ['lora-typo', { shards, outDir: path.join(dir, 'bad'), settings, kind: 'finetune', init: shards.train, lora: { rank: 2, alpha: 2, dropout: 0, targets: ['attn.q_proj'] } }, /lora\.targets: \['attn\.q_proj'\] name no gpt2 linear layer/],
      ['not-safetensors', { shards, outDir: path.join(dir, 'bad'), settings, kind: 'finetune', init: shards.val }, /val\.bin: header length \d+ exceeds the file .* truncated or not safetensors/],
    ];
    const cuda = spawnSync(PYTHON, ['-c', 'import torch; print(torch.cuda.is_available())'], { encoding: 'utf8' }).stdout.trim() === 'True';
    if (!cuda) cases.push(['no-cuda', { shards, outDir: path.join(dir, 'bad'), settings, device: 'cuda' }, /device cuda was asked but .*set device to cpu/]);
    const runs = await Promise.all(cases.map(([name, options]) => runTorchJob(writeJob(path.join(dir, `${name}.json`), options))));
    cases.forEach(([name, , message], index) => {
      const run = runs[index] as Awaited<ReturnType<typeof runTorchJob>>;
      expect(run.code, name).toBe(2);
      expect(run.events, name).toHaveLength(1);
      expect(run.events[0]?.event, name).toBe('error');
      expect(run.events[0]?.message as string, name).toMatch(message);
    });
    expect(existsSync(path.join(dir, 'bad', 'model.safetensors'))).toBe(false);
  });

  it('a rank other than 0 that fails says why on its stderr (only rank 0 prints events)', async () => {
    const job = writeJob(path.join(dir, 'rank-1-bad.json'), { shards: { ...shards, train: path.join(dir, 'nowhere.bin') }, outDir: path.join(dir, 'bad'), settings: tinySettings() });
    const run = await runTorchJob(job, undefined, { RANK: '1', LOCAL_RANK: '1', WORLD_SIZE: '2' });
    expect(run.code).toBe(2);
    expect(run.events).toEqual([]);
    expect(run.stderr).toMatch(/^\[rank 1\] error: job\.data\.train: .*nowhere\.bin does not exist/m);
  });

  it('writes done.json last: the SHA-256 of the JOB.json bytes and of model.safetensors, and the metrics', async () => {
    const job = writeJob(path.join(dir, 'done-record.json'), { shards, outDir: path.join(dir, 'done-record'), settings: tinySettings({ maxSteps: 2, evalInterval: 2 }) });
    const run = await runTorchJob(job);
    expect(run.code, run.stderr).toBe(0);
    const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    const record = JSON.parse(readFileSync(path.join(dir, 'done-record', 'done.json'), 'utf8'));
    expect(record).toMatchObject({ version: 1, jobSha256: sha256(job), step: 2, worldSize: 1, files: { 'model.safetensors': sha256(path.join(dir, 'done-record', 'model.safetensors')) } });
    expect(record.metrics).toEqual(eventsOf(run, 'done')[0]?.metrics);
    expect(Object.keys(record.metrics).sort()).toEqual(['loss', 'steps', 'tokensPerSec', 'trainLoss', 'valLoss']);
  });
});
