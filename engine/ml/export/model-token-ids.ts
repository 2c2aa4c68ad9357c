// A model folder's special token ids when they are not the tokenizer's first special token (writeModelFolder's
// choice): an imported hub model's own (SmolLM2-Instruct ends a turn with <|im_end|>, id 2, not <|endoftext|>, id 0),
// and a fine-tune of it keeps its base model's. Serving stops generating at config.json's eos_token_id.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readConfigJson, MODEL_FILES } from './model-folder.ts';
import type { SpecialTokenIds } from './hf-config.ts';

/** config.json's bos/eos ids (the first of a list), null where absent. */
export function readSpecialTokenIds(folder: string): SpecialTokenIds {
  const json = readConfigJson(folder);
  const first = (value: unknown) => {
    const id = Array.isArray(value) ? value[0] : value;
    return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
  };
  return { bos: first(json.bos_token_id), eos: first(json.eos_token_id) };
}

/** Writes the given ids (those not null) into config.json and generation_config.json of a written model folder. */
export function keepSpecialTokenIds(folder: string, ids: SpecialTokenIds): void {
  const patch = { ...(ids.bos === null ? {} : { bos_token_id: ids.bos }), ...(ids.eos === null ? {} : { eos_token_id: ids.eos }) };
  if (Object.keys(patch).length === 0) return;
  for (const name of [MODEL_FILES.config, MODEL_FILES.generationConfig]) {
    const file = path.join(folder, name);
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (Object.entries(patch).every(([key, value]) => json[key] === value)) continue;
    writeFileSync(file, `${JSON.stringify({ ...json, ...patch }, null, 2)}\n`);
  }
}
