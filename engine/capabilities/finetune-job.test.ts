// A LoRA fine-tune whose node names no targets gets its model family's default, read from the base model's config:
// GPT-2's fused attention projection, Llama's query and value projections (PEFT's defaults); named targets stay.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FinetuneRequest } from '../../nodes/capabilities/training.ts';
import { finetuneConfig } from '../../nodes/finetune/spec.ts';
import { writeHubGpt2Folder } from '../ml/import/testing/hub-folder.ts';
import { writeHubLlamaFolder } from '../ml/import/testing/hub-llama-folder.ts';
import { finetuneJobFrom } from './finetune-job.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-finetune-job-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const gpt2Folder = path.join(root, 'gpt2');
writeHubGpt2Folder(gpt2Folder, { config: { vocabSize: 300, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 16 } });
const llamaFolder = path.join(root, 'llama');
writeHubLlamaFolder(llamaFolder);

function request(modelFolder: string, config: object): FinetuneRequest {
  return { config: finetuneConfig.parse(config), modelFolder, modelKey: 'base', tokensFolder: root, tokensKey: 'tokens', dataDir: root, outputFolder: root, provenance: {} };
}

describe('finetuneJobFrom', () => {
  it("gives a LoRA run without targets its family's query and value projections", () => {
    expect(finetuneJobFrom(request(gpt2Folder, {})).lora?.targets).toEqual(['attn.c_attn']);
    expect(finetuneJobFrom(request(llamaFolder, {})).lora?.targets).toEqual(['self_attn.q_proj', 'self_attn.v_proj']);
  });

  it('keeps the targets a node names, and gives a full fine-tune none', () => {
    expect(finetuneJobFrom(request(llamaFolder, { loraTargets: ['mlp.down_proj'] })).lora?.targets).toEqual(['mlp.down_proj']);
    expect(finetuneJobFrom(request(llamaFolder, { method: 'full' })).lora).toBeUndefined();
  });
});
