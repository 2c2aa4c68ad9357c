// `crucible runs import` on a launch folder whose job the real trainer ran here (/usr/bin/python3, one process): the
// model folder gets the run's metrics from out/done.json, and a result that is not this launch's (the folder launched
// again, then an earlier job's out/ copied back; files of two runs mixed; no done.json) is refused.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FILES } from '../ml/export/model-folder.ts';
import { runTorchJob, torchUnavailableReason } from '../torch/testing/torch-runner.ts';
import { writeLaunchFolder } from './cluster-launch.ts';
import { importLaunchedRun } from './run-import.ts';
import { tinyLaunchInput, writeTinyTokens } from './testing/launch-input.ts';

const unavailable = torchUnavailableReason();
if (unavailable !== null) {
  if (process.env.CI) throw new Error(`runs import tests need torch in CI: ${unavailable}`);
  console.warn(`skipping runs import tests: ${unavailable}`);
}

describe.skipIf(unavailable !== null)('runs import', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-runs-import-'));
  const dataDir = path.join(root, 'data');
  const dir = path.join(root, 'launch');
  const tokens = writeTinyTokens(mkdirSync(path.join(root, 'tokens'), { recursive: true }) as string);
  let doneEvent: Record<string, unknown> | undefined;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(async () => {
    writeLaunchFolder(tinyLaunchInput({ dir, tokens }));
    // The cluster's job, here: the shared path is the folder itself.
    const run = await runTorchJob(path.join(dir, 'JOB.json'));
    expect(run.code, run.stderr).toBe(0);
    doneEvent = run.events.find((event) => event.event === 'done');
  }, 120_000);

  it('gives the imported model the metrics the trainer finished with', async () => {
    const { artifact, outcome } = await importLaunchedRun(dir, dataDir);
    expect(doneEvent?.metrics).toMatchObject({ steps: 2, valLoss: expect.any(Number) });
    expect(outcome?.metrics).toEqual(doneEvent?.metrics);
    const provenance = JSON.parse(readFileSync(path.join(artifact.path, MODEL_FILES.provenance), 'utf8'));
    expect(provenance.metrics).toEqual(doneEvent?.metrics);
  }, 120_000);

  it('refuses an earlier job’s result copied back into a folder launched again with other settings', async () => {
    const earlier = path.join(root, 'earlier-out');
    cpSync(path.join(dir, 'out'), earlier, { recursive: true });
    rmSync(path.join(dir, 'out'), { recursive: true });
    writeLaunchFolder(tinyLaunchInput({ dir, tokens, settings: { learningRate: 1e-4 } }));
    cpSync(earlier, path.join(dir, 'out'), { recursive: true });
    await expect(importLaunchedRun(dir, dataDir)).rejects.toThrow(
      new RegExp(`^runs import: ${path.join(dir, 'out')} holds the result of another job than ${path.join(dir, 'JOB.json')} \\(.*\\): the folder was launched again after that job ran; submit this launch's job`),
    );
  });

  it('refuses weights that are not the file the trainer finished with, and an out/ without done.json', async () => {
    const other = path.join(root, 'other');
    writeLaunchFolder(tinyLaunchInput({ dir: other, tokens, settings: { seed: 7 } }));
    expect((await runTorchJob(path.join(other, 'JOB.json'))).code).toBe(0);
    const weights = path.join(other, 'out', MODEL_FILES.weights);
    const kept = path.join(root, 'kept.safetensors');
    copyFileSync(weights, kept);
    copyFileSync(path.join(root, 'earlier-out', MODEL_FILES.weights), weights);
    await expect(importLaunchedRun(other, dataDir)).rejects.toThrow(`runs import: ${weights} differs from the file done.json says the trainer wrote: out/ mixes files of different runs, or its copy is incomplete; copy the job's whole out/ folder back again`);
    copyFileSync(kept, weights);
    rmSync(path.join(other, 'out', 'done.json'));
    await expect(importLaunchedRun(other, dataDir)).rejects.toThrow(`runs import: ${path.join(other, 'out')} has model.safetensors but no done.json, the record the trainer writes last`);
  }, 120_000);
});
