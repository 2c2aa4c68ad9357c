// The engine's implementation of NodeCapabilities (nodes/capabilities.ts): what every node run receives as
// ctx.capabilities. One member per capability, each built by its own module.
import type { NodeCapabilities } from '../../nodes/capabilities.ts';
import { createExportCapability } from './export-capability.ts';
import { createIngestCapability } from './ingest-capability.ts';
import { createModelsCapability } from './models-capability.ts';
import { createQuantizationCapability } from './quantization-capability.ts';
import { createServingCapability, type EngineServingCapability, type ServingCapabilityOptions } from './serving-capability.ts';
import { createTokenizerCapability } from './tokenizer-capability.ts';
import { createTrainingCapability } from './training-capability.ts';

/** The capabilities as the engine holds them: serving also restores services after a restart (service-keeper.ts). */
export interface EngineCapabilities extends NodeCapabilities {
  serving: EngineServingCapability;
}

export function createNodeCapabilities(options: { serving?: ServingCapabilityOptions } = {}): EngineCapabilities {
  return {
    ingest: createIngestCapability(),
    tokenizers: createTokenizerCapability(),
    training: createTrainingCapability(),
    serving: createServingCapability(options.serving),
    quantization: createQuantizationCapability(),
    exporting: createExportCapability(),
    models: createModelsCapability(),
  };
}
