// The imported model's facts (architecture, parameters, context, vocabulary, chat template), recorded in the Model
// output's meta as `facts`; the studio shows them in the inspector once the node has run (or was served from cache).
import type { NodeFact } from '../../app/nodes/spec.ts';
import type { ImportedModel } from '../capabilities/models.ts';

export function modelOutputFacts(model: ImportedModel): NodeFact[] {
  return [
    { label: 'Architecture', value: model.architecture, note: `${plural(model.nLayer, 'layer')}, ${plural(model.nHead, 'head')}${model.nKvHead === undefined || model.nKvHead === model.nHead ? '' : ` (${model.nKvHead} key/value)`}, ${model.nEmbd} wide` },
    { label: 'Parameters', value: compactCount(model.parameterCount), note: `${model.parameterCount.toLocaleString('en-US')}; ${model.sourceDtype} weights, trained in float32` },
    { label: 'Context', value: `${model.blockSize.toLocaleString('en-US')} tokens` },
    { label: 'Vocabulary', value: model.vocabSize.toLocaleString('en-US') },
    { label: 'Chat template', value: model.hasChatTemplate ? 'yes' : 'no', ...(model.hasChatTemplate ? {} : { note: 'chat fine-tuning uses the default template and writes it into the fine-tuned model' }) },
  ];
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function compactCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)}B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(1)}M`;
  if (count >= 1e3) return `${(count / 1e3).toFixed(1)}K`;
  return String(count);
}
