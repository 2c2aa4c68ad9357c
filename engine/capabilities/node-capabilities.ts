// The engine's implementation of NodeServices (nodes/services.ts): the capabilities every node run receives as
// ctx.services. One member per capability, each built by its own module.
import type { NodeServices } from '../../nodes/capabilities.ts';
import { createExportService } from './export-capability.ts';
import { createIngestService } from './ingest-capability.ts';
import { createQuantizationService } from './quantization-capability.ts';
import { createServingService } from './serving-capability.ts';
import { createTokenizerService } from './tokenizer-capability.ts';
import { createTrainingService } from './training-capability.ts';

export function createNodeServices(): NodeServices {
  return {
    ingest: createIngestService(),
    tokenizers: createTokenizerService(),
    training: createTrainingService(),
    serving: createServingService(),
    quantization: createQuantizationService(),
    exporting: createExportService(),
  };
}
