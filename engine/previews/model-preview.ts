// A Model output as the studio shows it: facts read from the folder itself (architecture and shape from config.json,
// parameters and weight dtype from model.safetensors' header, which decoders it carries) after the facts the node
// recorded, and its README.md model card.
import { access, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactFact } from '../../app/protocol/run-events.ts';
import type { ModelPreview } from '../../app/protocol/preview-api.ts';
import { formatCount } from '../../app/text/format-quantity.ts';
import { MODEL_CARD_FILE } from '../ml/export/model-card.ts';
import { MODEL_FILES, QUANTIZED_DECODER_FILES, readModelConfig } from '../ml/export/model-folder.ts';
import { architectureOf } from '../ml/model-config.ts';

/** safetensors headers are small JSON; a larger one is not read. */
const MAX_SAFETENSORS_HEADER = 16 * 1024 * 1024;

export async function modelPreview(folder: string, recorded: readonly ArtifactFact[] = []): Promise<ModelPreview> {
  const facts: ArtifactFact[] = [...recorded];
  const has = (label: string) => facts.some((fact) => fact.label === label);
  const config = readModelConfig(folder);
  if (!has('Architecture')) facts.push({ label: 'Architecture', value: architectureOf(config), note: `${config.nLayer} layers, ${config.nHead} heads, ${config.nEmbd} wide` });
  if (!has('Context')) facts.push({ label: 'Context', value: `${config.blockSize.toLocaleString('en-US')} tokens` });
  if (!has('Vocabulary')) facts.push({ label: 'Vocabulary', value: config.vocabSize.toLocaleString('en-US') });
  const weights = await safetensorsSummary(path.join(folder, MODEL_FILES.weights));
  if (weights && !has('Parameters')) facts.push({ label: 'Parameters', value: formatCount(weights.parameters), note: `${weights.parameters.toLocaleString('en-US')}; ${weights.dtypes.join(', ')} weights` });
  const decoders = await presentDecoders(folder);
  facts.push({ label: 'Decoders', value: decoders.length > 0 ? decoders.join(', ') : 'none', ...(decoders.length > 0 ? {} : { note: 'this folder cannot be served until it has an ONNX decoder' }) });
  const card = await readFile(path.join(folder, MODEL_CARD_FILE), 'utf8').catch(() => null);
  return { kind: 'model', facts, card };
}

async function presentDecoders(folder: string): Promise<string[]> {
  const candidates: [string, string][] = [['float32', MODEL_FILES.decoder], ['int8', QUANTIZED_DECODER_FILES.int8], ['int4', QUANTIZED_DECODER_FILES.int4]];
  const present = await Promise.all(candidates.map(([, file]) => access(path.join(folder, file)).then(() => true, () => false)));
  return candidates.filter((_, index) => present[index]).map(([name]) => name);
}

/** Parameter count and dtypes from a safetensors header (8-byte little-endian length, then JSON); null when unreadable. */
export async function safetensorsSummary(file: string): Promise<{ parameters: number; dtypes: string[] } | null> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    const length = Number(head.readBigUInt64LE(0));
    if (length <= 0 || length > MAX_SAFETENSORS_HEADER) return null;
    const json = Buffer.alloc(length);
    await handle.read(json, 0, length, 8);
    const header = JSON.parse(json.toString('utf8')) as Record<string, { dtype?: unknown; shape?: unknown }>;
    let parameters = 0;
    const dtypes = new Set<string>();
    for (const [name, tensor] of Object.entries(header)) {
      if (name === '__metadata__' || !Array.isArray(tensor.shape)) continue;
      parameters += (tensor.shape as number[]).reduce((product, size) => product * size, 1);
      if (typeof tensor.dtype === 'string') dtypes.add(tensor.dtype);
    }
    return { parameters, dtypes: [...dtypes].sort() };
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}
