// The engine's implementation of NodeServices (nodes/services.ts): the capabilities every node run receives as
// ctx.services. One member per capability, each built by its own module.
import type { NodeServices } from '../../nodes/services.ts';
import { createExportService } from './export-service.ts';
import { createIngestService } from './ingest-service.ts';
import { createQuantizationService } from './quantization-service.ts';
import { createServingService } from './serving-service.ts';
import { createTokenizerService } from './tokenizer-service.ts';
import { createTrainingService } from './training-service.ts';

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
