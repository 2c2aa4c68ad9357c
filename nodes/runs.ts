// Every built-in node type's engine-side run module, keyed by type. Engine only: these may use Node APIs.
import type { NodeRunOf } from './capabilities.ts';
import { apiEndpointRun } from './api-endpoint/run.ts';
import { datasetRun } from './dataset/run.ts';
import { deployRun } from './deploy/run.ts';
import { distillRun } from './distill/run.ts';
import { evaluateRun } from './evaluate/run.ts';
import { exportRun } from './export/run.ts';
import { finetuneRun } from './finetune/run.ts';
import { modelRun } from './model/run.ts';
import { pretrainRun } from './pretrain/run.ts';
import { quantizeRun } from './quantize/run.ts';
import { tokenizerRun } from './tokenizer/run.ts';

/** A run module as the engine holds it: any node type's config, and every capability (ctx.capabilities). */
export type EngineRunModule = NodeRunOf<Record<string, unknown>>;

export function builtInRunModules(): Map<string, EngineRunModule> {
  const modules = [datasetRun, tokenizerRun, modelRun, pretrainRun, distillRun, finetuneRun, quantizeRun, evaluateRun, deployRun, apiEndpointRun, exportRun] as EngineRunModule[];
  return new Map(modules.map((module) => [module.type, module]));
}
