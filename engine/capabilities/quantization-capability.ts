// The engine's QuantizationCapability (nodes/capabilities/quantization.ts): finds the val tokens the model was
// trained on through its provenance, then quantizes and measures on a worker thread (engine/ml/quantize).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { QuantizationCapability, QuantizeOutcome } from '../../nodes/capabilities/quantization.ts';
import { MODEL_FILES } from '../ml/export/model-folder.ts';
import { QUANTIZATION_REPORT_FILE, type QuantizationReport } from '../ml/quantize/quantize-job.ts';
import { runQuantizeJobInWorker } from '../ml/quantize/run-quantize-job.ts';
import { tokensArtifactPaths } from '../ml/train/tokens-artifact.ts';

/** Enough windows for a stable comparison of two decoders on the same tokens, few enough to take seconds. */
const EVAL_WINDOWS = 16;
const DECODE_TOKENS = 64;

export function createQuantizationCapability(): QuantizationCapability {
  return {
    async quantize(request, hooks) {
      const valShard = findValShard(request.modelFolder, request.dataDir);
      if (valShard === null) hooks.log('the model does not record the tokens it was trained on; reporting size, agreement and speed without val loss', 'warn');
      const report = await runQuantizeJobInWorker(
        {
          sourceFolder: request.modelFolder,
          targetFolder: request.outputFolder,
          settings: request.config,
          provenance: request.provenance,
          valShard,
          evalWindows: EVAL_WINDOWS,
          decodeTokens: DECODE_TOKENS,
        },
        { signal: hooks.signal, onLog: (line) => hooks.log(line) },
      );
      return outcomeOf(report);
    },
  };
}

function outcomeOf(report: QuantizationReport): QuantizeOutcome {
  const metrics: Record<string, number> = {
    sizeRatio: report.sizeRatio,
    floatDecoderBytes: report.floatDecoderBytes,
    quantizedDecoderBytes: report.quantizedDecoderBytes,
    decodeSpeedRatio: report.decodeSpeedRatio,
    floatTokensPerSec: report.floatTokensPerSecond,
    quantizedTokensPerSec: report.quantizedTokensPerSecond,
    greedyAgreement: report.greedyAgreement.topOneAgreement,
  };
  const validation = report.validation;
  if (validation !== null) {
    Object.assign(metrics, {
      floatValLoss: validation.floatLoss,
      quantizedValLoss: validation.quantizedLoss,
      floatPerplexity: validation.floatPerplexity,
      quantizedPerplexity: validation.quantizedPerplexity,
      perplexityChangePercent: validation.perplexityChangePercent,
    });
  }
  return { decoderFile: report.decoderFile, reportFile: QUANTIZATION_REPORT_FILE, metrics, validationNote: report.validationNote };
}

/**
 * The val shard of the Tokens artifact the model (or the model it came from) was trained on: provenance names its
 * input artifacts by key, and the artifact store keeps them under <dataDir>/artifacts/<key>.
 */
export function findValShard(modelFolder: string, dataDir: string): string | null {
  const provenancePath = path.join(modelFolder, MODEL_FILES.provenance);
  if (!existsSync(provenancePath)) return null;
  let provenance: unknown = JSON.parse(readFileSync(provenancePath, 'utf8'));
  while (isRecord(provenance)) {
    for (const input of Object.values(isRecord(provenance.inputs) ? provenance.inputs : {})) {
      const key = isRecord(input) ? input.key : undefined;
      if (typeof key !== 'string' || !/^[\w.-]+$/.test(key) || key.startsWith('.')) continue;
      const folder = path.join(dataDir, 'artifacts', key);
      try {
        return tokensArtifactPaths(folder).valBase;
      } catch {
        // Not a Tokens artifact (a teacher model, say) or no longer stored: try the next input.
      }
    }
    provenance = provenance.source;
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
