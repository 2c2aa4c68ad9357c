// `crucible runs import DIR`: a launch folder whose cluster job finished (its out/ folder back in DIR/out) becomes a
// Model artifact in the engine's store: the same model folder a local run writes (ONNX decoder built here, tokenizer,
// card, the run's metrics), with the launch, the node and its inputs in crucible-provenance.json. The result is taken
// only when the trainer's completion record (out/done.json) names this folder's JOB.json and the files in out/.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACT_STORE_FOLDER } from '../../app/protocol/run-events.ts';
import { ArtifactStore, type StoredArtifact } from '../artifacts/artifact-store.ts';
import { readJsonObjectFile } from '../files/json-text.ts';
import { MODEL_FILES } from '../ml/export/model-folder.ts';
import { LAUNCH_FILES, type LaunchRecord } from './cluster-launch.ts';
import { jobSha256, readTorchDoneRecord, sha256File, TORCH_DONE_FILE, type TorchDoneRecord } from './done-record.ts';
import { TORCH_JOB_FILE } from './job-file.ts';
import { writeModelFromRun, type ModelFromRunOutcome } from './model-from-run.ts';

export interface ImportedRun {
  artifact: StoredArtifact;
  /** What was written; null when the store already held this exact result (imported before). */
  outcome: ModelFromRunOutcome | null;
}

export async function importLaunchedRun(dir: string, dataDir: string): Promise<ImportedRun> {
  const recordFile = path.join(dir, LAUNCH_FILES.record);
  if (!existsSync(recordFile)) throw new Error(`runs import: ${dir} has no ${LAUNCH_FILES.record}; give the folder \`crucible launch --out\` wrote`);
  const record = readJsonObjectFile(recordFile, { expected: 'a crucible launch record', remedy: 'launch the node again with crucible launch' }) as unknown as LaunchRecord;
  if (record.format !== 'crucible.launch' || record.version !== 1) throw new Error(`runs import: ${recordFile} is not a crucible launch record (version 1); launch the node again with crucible launch`);
  const out = path.join(dir, LAUNCH_FILES.out);
  const weights = path.join(out, MODEL_FILES.weights);
  if (!existsSync(weights)) {
    throw new Error(`runs import: ${weights} does not exist: the cluster job has not finished, or its out/ folder was not copied back into ${dir}/out (the job's log ends with a "done" event when it has)`);
  }
  const adapters = path.join(out, 'adapters.safetensors');
  if (record.finetune !== null && !existsSync(path.join(record.finetune.modelFolder, MODEL_FILES.weights))) {
    throw new Error(`runs import: the base model ${record.finetune.modelFolder} is no longer in the store; run the pipeline's model node again (crucible run FILE --target ${Object.keys(record.inputs)[0] ?? 'MODEL'}) and import once more`);
  }
  const done = doneRecordOfThisLaunch(dir, out);
  const weightsHash = await checkOutput(done, out, MODEL_FILES.weights);
  if (existsSync(adapters) || 'adapters.safetensors' in done.files) await checkOutput(done, out, 'adapters.safetensors');
  const key = createHash('sha256').update(`crucible.runs-import\0${record.launchedAt}\0${record.node.id}\0${weightsHash}`).digest('hex');
  const store = new ArtifactStore(path.join(dataDir, ARTIFACT_STORE_FOLDER));
  const stored = await store.get(key);
  if (stored !== null) return { artifact: stored, outcome: null };
  const tokenizerFile = (name: string) => (existsSync(path.join(dir, LAUNCH_FILES.tokenizer, name)) ? path.join(dir, LAUNCH_FILES.tokenizer, name) : null);
  const provenance = {
    node: record.node,
    pipeline: record.pipeline,
    inputs: Object.fromEntries(Object.entries(record.inputs).map(([port, input]) => [port, { key: input.key }])),
    runner: { name: 'torch', device: record.cluster.device, worldSize: record.cluster.nodes * record.cluster.nprocPerNode, precision: record.cluster.precision },
    launch: { cluster: record.cluster, launchedAt: record.launchedAt, importedAt: new Date().toISOString(), from: path.resolve(dir), weightsSha256: weightsHash },
  };
  const staging = await store.stage();
  try {
    const outcome = writeModelFromRun({
      weights,
      adapters: existsSync(adapters) ? adapters : null,
      config: record.model,
      metrics: done.metrics,
      resumedFromStep: null,
      export: { folder: staging.outputDir('model'), tokenizerJsonPath: tokenizerFile(MODEL_FILES.tokenizer), tokenizerConfigJsonPath: tokenizerFile(MODEL_FILES.tokenizerConfig), provenance },
      finetune: record.finetune,
    });
    const { nLayer, nHead, nEmbd, blockSize, vocabSize } = record.model;
    const artifact = await store.commit(staging, {
      key,
      type: 'Model',
      port: 'model',
      nodeType: record.node.type,
      nodeId: record.node.id,
      runId: `import-${key.slice(0, 12)}`,
      meta: { nLayer, nHead, nEmbd, blockSize, vocabSize, parameterCount: outcome.parameterCount, files: outcome.files, metrics: outcome.metrics, imported: provenance.launch },
    });
    return { artifact, outcome };
  } catch (error) {
    await store.discard(staging);
    throw error;
  }
}

/**
 * out/'s completion record, when it belongs to this folder's JOB.json. A folder launched again (other settings, the
 * same --out) keeps the earlier job's out/ until the new job overwrites it; its record names the earlier JOB.json.
 */
function doneRecordOfThisLaunch(dir: string, out: string): TorchDoneRecord {
  const doneFile = path.join(out, TORCH_DONE_FILE);
  const done = readTorchDoneRecord(out);
  if (done === null) {
    throw new Error(`runs import: ${out} has ${MODEL_FILES.weights} but no ${TORCH_DONE_FILE}, the record the trainer writes last: the job is still writing its outputs, ${TORCH_DONE_FILE} was not copied back, or a trainer older than this Crucible ran it; copy the job's whole out/ folder back once its log ends with a "done" event (or launch the node again)`);
  }
  const jobFile = path.join(dir, TORCH_JOB_FILE);
  if (!existsSync(jobFile)) throw new Error(`runs import: ${jobFile} is missing; give the folder \`crucible launch --out\` wrote, whole`);
  const launched = jobSha256(readFileSync(jobFile));
  if (done.jobSha256 !== launched) {
    throw new Error(`runs import: ${out} holds the result of another job than ${jobFile} (${doneFile} names job ${String(done.jobSha256).slice(0, 12)}, this folder's JOB.json is ${launched.slice(0, 12)}): the folder was launched again after that job ran; submit this launch's job as README.md says and import when its log ends with a "done" event`);
  }
  return done;
}

/** The output's SHA-256, after checking it is the file the trainer finished with. */
async function checkOutput(done: TorchDoneRecord, out: string, name: string): Promise<string> {
  const file = path.join(out, name);
  const expected = done.files[name];
  const actual = existsSync(file) ? await sha256File(file) : null;
  if (expected === undefined || actual !== expected) {
    const what = actual === null ? 'is missing' : expected === undefined ? `is not among the outputs ${TORCH_DONE_FILE} lists` : `differs from the file ${TORCH_DONE_FILE} says the trainer wrote`;
    throw new Error(`runs import: ${file} ${what}: out/ mixes files of different runs, or its copy is incomplete; copy the job's whole out/ folder back again`);
  }
  return actual;
}
