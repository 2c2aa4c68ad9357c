// What node runs may ask of the engine (ctx.services): the capabilities that live in engine/ — ingest, training,
// tokenizers, serving — seen from the nodes as interfaces. Types only: nodes never import engine/ (the layering
// rule); the engine implements this interface and hands it to every run.
//
// Each capability is added by the work that needs it, as one member with its own interface file beside this one
// (e.g. `nodes/services/tokenizer-service.ts`), so the members stay independent.

import type { ExportService } from './services/export-service.ts';
import type { IngestService } from './services/ingest-service.ts';
import type { QuantizationService } from './services/quantization-service.ts';
import type { ServingService } from './services/serving-service.ts';
import type { TokenizerService } from './services/tokenizer-service.ts';
import type { TrainingService } from './services/training-service.ts';

export interface NodeServices {
  ingest: IngestService;
  tokenizers: TokenizerService;
  training: TrainingService;
  serving: ServingService;
  quantization: QuantizationService;
  exporting: ExportService;
}
