// Every built-in node type's spec, browser-safe: the palette, the inspector, validation and the catalogue API
// are generated from this list.
import { NodeRegistry } from '../app/nodes/registry.ts';
import type { NodeSpec } from '../app/nodes/spec.ts';
import { apiEndpointSpec } from './api-endpoint/spec.ts';
import { datasetSpec } from './dataset/spec.ts';
import { deploySpec } from './deploy/spec.ts';
import { distillSpec } from './distill/spec.ts';
import { evaluateSpec } from './evaluate/spec.ts';
import { exportSpec } from './export/spec.ts';
import { finetuneSpec } from './finetune/spec.ts';
import { modelSpec } from './model/spec.ts';
import { pretrainSpec } from './pretrain/spec.ts';
import { quantizeSpec } from './quantize/spec.ts';
import { tokenizerSpec } from './tokenizer/spec.ts';

export const builtInNodeSpecs: readonly NodeSpec[] = [
  datasetSpec,
  tokenizerSpec,
  modelSpec,
  pretrainSpec,
  distillSpec,
  finetuneSpec,
  quantizeSpec,
  evaluateSpec,
  deploySpec,
  apiEndpointSpec,
  exportSpec,
];

export function builtInRegistry(): NodeRegistry {
  return new NodeRegistry(builtInNodeSpecs);
}
