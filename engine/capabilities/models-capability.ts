// The engine's ModelsCapability (nodes/capabilities/models.ts): finds the Hugging Face model folder (a path on this
// machine, or a hub snapshot downloaded into the data directory's cache by engine/hub), imports it on a worker thread
// (engine/ml/import) into the Model artifact, and writes the model's Tokenizer artifact beside it.
import type { ImportedModel, ImportModelHooks, ImportModelRequest, ModelsCapability } from '../../nodes/capabilities/models.ts';
import { modelSnapshot } from '../hub/model-snapshot.ts';
import { importModelOnWorker, type ModelImportJob, type ModelImportOutcome } from './models/import-on-worker.ts';
import { writeModelTokenizer } from './models/model-tokenizer.ts';

/** What the capability uses to download and to import; tests replace them. */
export interface ModelsCapabilityParts {
  snapshot: typeof modelSnapshot;
  importFolder(job: ModelImportJob, signal: AbortSignal): Promise<ModelImportOutcome>;
}

export function createModelsCapability(parts: Partial<ModelsCapabilityParts> = {}): ModelsCapability {
  const used: ModelsCapabilityParts = { snapshot: parts.snapshot ?? modelSnapshot, importFolder: parts.importFolder ?? importModelOnWorker };
  return { importModel: (request, hooks) => importModel(request, hooks, used) };
}

async function importModel(request: ImportModelRequest, hooks: ImportModelHooks, parts: ModelsCapabilityParts): Promise<ImportedModel> {
  const { folder, download } = await sourceFolder(request, hooks, parts);
  hooks.signal.throwIfAborted();
  hooks.onProgress?.({ stage: 'importing' });
  const outcome = await parts.importFolder({ folder, outputFolder: request.modelFolder, provenance: request.provenance }, hooks.signal);
  const tokenizer = await writeModelTokenizer(request.modelFolder, request.tokenizerFolder);
  hooks.onProgress?.({ stage: 'done' });
  return {
    architecture: outcome.architecture,
    family: outcome.family,
    ...outcome.config,
    parameterCount: outcome.parameterCount,
    sourceDtype: outcome.sourceDtype,
    hasChatTemplate: outcome.hasChatTemplate,
    files: outcome.files,
    download,
    tokenizer,
  };
}

async function sourceFolder(request: ImportModelRequest, hooks: ImportModelHooks, parts: ModelsCapabilityParts): Promise<{ folder: string; download: ImportedModel['download'] }> {
  const { source } = request;
  if ('path' in source) return { folder: source.path, download: null };
  const ref = { repo: source.repo, revision: source.revision };
  const onProgress = (file: string, receivedBytes: number, totalBytes: number | null): void => hooks.onProgress?.({ stage: 'downloading', file, receivedBytes, totalBytes });
  const snapshot = await parts.snapshot(request.dataDir, ref, { signal: hooks.signal, onProgress });
  hooks.log(snapshot.downloaded ? `downloaded ${source.repo} @ ${source.revision} (${snapshot.files.length} files)` : `${source.repo} @ ${source.revision} is in the download cache`);
  return { folder: snapshot.folder, download: { files: snapshot.files, downloaded: snapshot.downloaded } };
}
