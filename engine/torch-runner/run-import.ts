// `crucible runs import DIR`: a launch folder whose cluster job finished (out/model.safetensors back in DIR/out) becomes
// a Model artifact in the engine's store: the same model folder a local run writes (ONNX decoder built here, tokenizer,
// card), with the launch, the node and its inputs in crucible-provenance.json.

import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACT_STORE_FOLDER } from '../../app/protocol/run-events.ts';
import { ArtifactStore, type StoredArtifact } from '../artifacts/artifact-store.ts';
import { readJsonObjectFile } from '../files/json-text.ts';
import { MODEL_FILES } from '../ml/export/model-folder.ts';
import { LAUNCH_FILES, type LaunchRecord } from './cluster-launch.ts';
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
  const weightsHash = await sha256File(weights);
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
      metrics: record.metrics ?? {},
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

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
