// What node runs may ask of the engine (ctx.capabilities): the work that lives in engine/ — ingest, tokenizers,
// training, serving, quantization, export, model import — seen from the nodes as interfaces. Types only: nodes never import engine/
// (the layering rule); engine/capabilities/node-capabilities.ts implements every member, and every run receives all
// of them, typed.
//
// Each capability is added by the work that needs it, as one member with its own interface file in
// nodes/capabilities/ (e.g. `tokenizer.ts`), so the members stay independent. A test that gives a run only some of
// them uses nodes/testing/capabilities.ts.

import type { NodeRunContext, NodeRunModule } from '../app/nodes/run-contract.ts';
import type { ExportCapability } from './capabilities/export.ts';
import type { IngestCapability } from './capabilities/ingest.ts';
import type { ModelsCapability } from './capabilities/models.ts';
import type { QuantizationCapability } from './capabilities/quantization.ts';
import type { ServingCapability } from './capabilities/serving.ts';
import type { TokenizerCapability } from './capabilities/tokenizer.ts';
import type { TrainingCapability } from './capabilities/training.ts';

export interface NodeCapabilities {
  ingest: IngestCapability;
  tokenizers: TokenizerCapability;
  training: TrainingCapability;
  serving: ServingCapability;
  quantization: QuantizationCapability;
  exporting: ExportCapability;
  models: ModelsCapability;
}

/** What a node's engine-side run receives: its parsed config and every capability. */
export type NodeRunContextOf<Config> = NodeRunContext<Config, NodeCapabilities>;
/** A node type's engine-side run module. */
export type NodeRunOf<Config> = NodeRunModule<Config, NodeCapabilities>;
