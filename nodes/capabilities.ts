// What node runs may ask of the engine (ctx.services): the capabilities that live in engine/ — ingest, training,
// tokenizers, serving — seen from the nodes as interfaces. Types only: nodes never import engine/ (the layering
// rule); the engine implements this interface and hands it to every run.
//
// Each capability is added by the work that needs it, as one member with its own interface file beside this one
// (e.g. `nodes/services/tokenizer-service.ts`), so the members stay independent.

import type { ExportService } from './capabilities/export.ts';
import type { IngestService } from './capabilities/ingest.ts';
import type { QuantizationService } from './capabilities/quantization.ts';
import type { ServingService } from './capabilities/serving.ts';
import type { TokenizerService } from './capabilities/tokenizer.ts';
import type { TrainingService } from './capabilities/training.ts';

export interface NodeServices {
  ingest: IngestService;
  tokenizers: TokenizerService;
  training: TrainingService;
  serving: ServingService;
  quantization: QuantizationService;
  exporting: ExportService;
}
