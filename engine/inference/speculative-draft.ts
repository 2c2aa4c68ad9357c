// The draft model a deployment speculates with (deploy `draftModel`, `crucible serve --draft DIR`): a model folder,
// typically a distilled student of the served model, read at the precision its quantize node recorded. It must speak
// the served model's tokens: the same tokenizer.json vocabulary, the same logits width and end-of-text id, and a
// context at least as long; anything else is refused with what differs.
import type { ModelConfig } from '../ml/model-config.ts';
import { readServableModel, recordedPrecision, type ServableModel } from './model-files.ts';
import type { DecoderPrecision } from '../../app/artifacts/model-layout.ts';

/** What a worker needs to load the draft (worker-protocol.ts). */
export interface DraftWorkerData {
  modelFolder: string;
  precision: DecoderPrecision;
  decoderPath: string;
  config: ModelConfig;
  /** Proposals per row per target step (k). */
  proposals: number;
}

export function readDraftModel(draftFolder: string, target: ServableModel, proposals: number): DraftWorkerData {
  if (!Number.isInteger(proposals) || proposals < 1 || proposals > 16) throw new Error(`draft model: draftTokens must be a whole number from 1 to 16, got ${proposals}`);
  const precision = recordedPrecision(draftFolder);
  const draft = readServableModel(draftFolder, precision);
  const refuse = (what: string) => new Error(`draft model ${draftFolder}: ${what}; a draft must be a student of the served model with its tokenizer (the distill node makes one)`);
  const vocabulary = (model: ServableModel) => model.tokenizer.vocabSize;
  if (vocabulary(draft) !== vocabulary(target)) throw refuse(`its tokenizer has ${vocabulary(draft)} tokens, the served model's ${vocabulary(target)}`);
  for (let id = 0; id < vocabulary(target); id++) {
    if (draft.tokenizer.tokenOf(id) !== target.tokenizer.tokenOf(id)) throw refuse(`its tokenizer maps id ${id} to ${JSON.stringify(draft.tokenizer.tokenOf(id))}, the served model's to ${JSON.stringify(target.tokenizer.tokenOf(id))}`);
  }
  if (draft.config.vocabSize !== target.config.vocabSize) throw refuse(`it scores ${draft.config.vocabSize} token ids, the served model ${target.config.vocabSize}`);
  if (draft.eosTokenId !== target.eosTokenId) throw refuse(`its end-of-text id is ${String(draft.eosTokenId)}, the served model's ${String(target.eosTokenId)}`);
  if (draft.config.blockSize < target.config.blockSize) throw refuse(`its context is ${draft.config.blockSize} tokens, shorter than the served model's ${target.config.blockSize}`);
  return { modelFolder: draftFolder, precision, decoderPath: draft.decoderPath, config: draft.config, proposals };
}
