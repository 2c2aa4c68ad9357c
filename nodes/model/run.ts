// Engine side of the model node: ctx.capabilities.models finds the Hugging Face folder (the path, or the hub snapshot
// in the download cache) and imports it into the Model artifact on a worker thread, and writes the model's tokenizer
// as the Tokenizer artifact. The fingerprint hashes the folder's files, so an edited model re-runs the node.
import type { NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { ImportedModel, ImportModelProgress, ModelSource } from '../capabilities/models.ts';
import { recordedSourcePath } from '../dataset/source-digests.ts';
import { provenanceOf } from '../shared/provenance.ts';
import { checkModelFolder, modelFingerprint } from './folder-checks.ts';
import { modelOutputFacts } from './model-facts.ts';
import type { ModelConfig } from './spec.ts';

export const modelRun: NodeRunOf<ModelConfig> = {
  type: 'model',
  fingerprint: modelFingerprint,
  check: checkModelFolder,
  run: runModel,
};

async function runModel(ctx: NodeRunContextOf<ModelConfig>): Promise<NodeRunResult> {
  const source = sourceOf(ctx);
  // The card and provenance name a local folder relative to the pipeline, never where on this machine it lives.
  const shownSource = 'path' in source ? { path: recordedSourcePath(source.path, ctx.pipelineDir) } : source;
  const provenance = { ...provenanceOf({ ...ctx, config: { ...ctx.config, ...shownSource } }, 'model', {}), source: shownSource };
  const imported = await ctx.capabilities.models.importModel(
    { source, dataDir: ctx.dataDir, modelFolder: ctx.outputDir('model'), tokenizerFolder: ctx.outputDir('tokenizer'), provenance },
    { signal: ctx.signal, log: (line, level) => ctx.log(line, level), onProgress: (progress) => reportProgress(ctx, progress) },
  );
  const summary = `${imported.architecture}: ${imported.parameterCount.toLocaleString('en-US')} parameters, context ${imported.blockSize}, vocabulary ${imported.vocabSize}, ${imported.sourceDtype} weights, ${imported.hasChatTemplate ? 'with' : 'no'} chat template`;
  ctx.log(summary);
  ctx.progress({ fraction: 1, message: summary });
  return { outputs: outputsOf(imported, shownSource), metrics: { parameterCount: imported.parameterCount, contextLength: imported.blockSize, vocabSize: imported.vocabSize } };
}

function sourceOf({ config, nodeId }: NodeRunContextOf<ModelConfig>): ModelSource {
  if (config.path !== '') return { path: config.path };
  if (config.repo !== '' && config.revision !== '') return { repo: config.repo, revision: config.revision };
  throw new Error(`model node "${nodeId}": set config.path to a Hugging Face model folder, or config.repo and config.revision to download one`);
}

function outputsOf(imported: ImportedModel, source: ModelSource): NodeRunResult['outputs'] {
  const { architecture, family, nLayer, nHead, nKvHead, nEmbd, blockSize, vocabSize, parameterCount, hasChatTemplate, sourceDtype, files, tokenizer } = imported;
  const model = {
    architecture: family,
    hfArchitecture: architecture,
    nLayer,
    nHead,
    ...(nKvHead === undefined ? {} : { nKvHead }),
    nEmbd,
    blockSize,
    contextLength: blockSize,
    vocabSize,
    parameterCount,
    hasChatTemplate,
    sourceDtype,
    ...source,
    ...(imported.download ? { sourceFiles: imported.download.files } : {}),
    files,
    tokenizerHash: tokenizer.hash,
    facts: modelOutputFacts(imported),
  };
  const tokenizerMeta = { kind: tokenizer.kind, source: 'model', vocabSize: tokenizer.vocabSize, tokenizerHash: tokenizer.hash, specialTokens: tokenizer.specialTokens, hasChatTemplate };
  return { model: { meta: model }, tokenizer: { meta: tokenizerMeta } };
}

function reportProgress(ctx: NodeRunContextOf<ModelConfig>, progress: ImportModelProgress): void {
  if (progress.stage === 'downloading') {
    const { file, receivedBytes, totalBytes } = progress;
    const fraction = totalBytes ? Math.min(1, receivedBytes / totalBytes) * 0.5 : undefined;
    ctx.progress({ ...(fraction === undefined ? {} : { fraction }), message: `downloading ${file}: ${megabytes(receivedBytes)}${totalBytes ? ` of ${megabytes(totalBytes)}` : ''}` });
  } else if (progress.stage === 'importing') {
    ctx.progress({ fraction: 0.5, message: 'importing the weights and building the ONNX decoder' });
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
