// What the quantize node asks of the engine (ctx.capabilities.quantization): write a quantized copy of a model folder
// and measure it against the float32 decoder. Types only; engine/capabilities/quantization-capability.ts implements it.
import type { z } from 'zod';
import type { JobHooks } from './training.ts';
import type { quantizeConfig } from '../quantize/spec.ts';

export type QuantizeConfig = z.output<typeof quantizeConfig>;

export interface QuantizeRequest {
  config: QuantizeConfig;
  /** The float32 Model artifact folder (read only). */
  modelFolder: string;
  /** The new Model artifact folder: the input's files, the quantized decoder and report.json. */
  outputFolder: string;
  /** The engine data directory, where the artifacts the model was trained from are looked up. */
  dataDir: string;
  /** The new folder's crucible-provenance.json; the input's provenance is kept under `source`. */
  provenance: Record<string, unknown>;
}

export interface QuantizeOutcome {
  /** Relative to the output folder, e.g. "onnx/model_q4.onnx". */
  decoderFile: string;
  reportFile: string;
  /**
   * sizeRatio, floatDecoderBytes, quantizedDecoderBytes, decodeSpeedRatio, floatTokensPerSec, quantizedTokensPerSec,
   * greedyAgreement; with val tokens also floatValLoss, quantizedValLoss, floatPerplexity, quantizedPerplexity and
   * perplexityChangePercent.
   */
  metrics: Record<string, number>;
  /** Why val loss and perplexity are missing, or null when they were measured. */
  validationNote: string | null;
}

export interface QuantizationCapability {
  quantize(request: QuantizeRequest, hooks: JobHooks): Promise<QuantizeOutcome>;
}
