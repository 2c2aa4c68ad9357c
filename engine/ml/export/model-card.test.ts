// The README.md model card: hub front matter, then what the model was trained on, its shape and parameter count,
// its training config and final losses, an evaluation when one is given, the quantization report, how to use it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gpt2Config } from '../gpt2/config.ts';
import { initGpt2Parameters } from '../gpt2/parameters.ts';
import { trainChar } from '../../tokenize/index.ts';
import { isCrucibleModelCard, modelCardText } from './model-card.ts';
import { MODEL_FILES, writeModelFolder } from './model-folder.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-card-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tokenizer = trainChar('To be, or not to be: that is the question.');
const tokenizerJsonPath = path.join(root, 'tokenizer.json');
writeFileSync(tokenizerJsonPath, JSON.stringify(tokenizer.toHuggingFaceJson()));
const config = gpt2Config({ vocabSize: tokenizer.vocabSize, nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 64 });
const sources = [{ path: 'data/plays|poems.txt', sha256: 'a'.repeat(64) }, { url: 'https://example.com/sonnets.txt', sha256: 'b'.repeat(64) }];
const tokens = { key: 'tokens-key', meta: { trainTokens: 9000, valTokens: 1000, tokenizerHash: 'sha256:feed', sources } };

function modelFolder(name: string, provenance: Record<string, unknown>): string {
  const folder = path.join(root, name);
  writeModelFolder(folder, { config, parameters: initGpt2Parameters(config, 1), tokenizerJsonPath, tokenizerConfigJsonPath: null, provenance });
  return folder;
}

const pretrained = modelFolder('pretrained', {
  runId: 'run-1',
  node: { id: 'train', type: 'pretrain', config: { maxSteps: 500, learningRate: 0.001, batchSize: 12, seed: 7 } },
  inputs: { tokens },
  metrics: { trainLoss: 1.91, valLoss: 2.05, steps: 500 },
  createdAt: '2026-12-01T10:00:00.000Z',
});

/** Each snippet must appear somewhere in the card. */
function expectCardToContain(card: string, snippets: string[]): void {
  for (const snippet of snippets) expect(card).toContain(snippet);
}

describe('model cards', () => {
  it('every model folder gets one: front matter, training data, architecture, training, how to use, provenance', () => {
    const card = readFileSync(path.join(pretrained, 'README.md'), 'utf8');
    expect(card).toMatch(/^---\nlicense: other\nlibrary_name: transformers\npipeline_tag: text-generation\ntags:\n- crucible\n- gpt2\n/);
    expect(isCrucibleModelCard(card)).toBe(true);
    expectCardToContain(card, [
      '# train\n',
      '- Tokens: artifact `tokens-key`, 9,000 train and 1,000 val tokens',
      `- Tokenizer: char, ${tokenizer.vocabSize} tokens, end of text \`<|endoftext|>\` (\`sha256:feed\`)`,
      `| dataset source | sha256 |\n| --- | --- |\n| data/plays\\|poems.txt | \`${'a'.repeat(64)}\` |\n| https://example.com/sonnets.txt | \`${'b'.repeat(64)}\` |\n`,
      '| parameters | ',
      '| learningRate | 0.001 |',
      '| final val loss | 2.0500 |',
      "import { pipeline, env } from '@huggingface/transformers';",
      'crucible serve ./train',
      'Written by the pretrain node `train` in Crucible run `run-1` on 2026-12-01.',
    ]);
    expect(card).not.toContain('## Quantization');
    expect(card).not.toContain('Dataset sources: not recorded');
  });

  it('says when the tokens artifact recorded no dataset sources', () => {
    const folder = modelFolder('unrecorded', { runId: 'run-4', node: { id: 'old', type: 'pretrain', config: {} }, inputs: { tokens: { key: 'old-tokens', meta: { trainTokens: 10, valTokens: 1 } } } });
    expect(readFileSync(path.join(folder, 'README.md'), 'utf8')).toContain('- Dataset sources: not recorded in the tokens artifact this model was trained on.');
  });

  it('a distilled model names its teacher as the base model', () => {
    const folder = modelFolder('distilled', { runId: 'run-2', node: { id: 'student', type: 'distill', config: { alpha: 0.5, temperature: 2 } }, inputs: { teacher: { key: 'teacher-key', meta: {} }, tokens }, metrics: { valLoss: 2.2, teacherValLoss: 1.9 } });
    const card = readFileSync(path.join(folder, 'README.md'), 'utf8');
    expect(card).toMatch(/\nbase_model: local\/teacher-key # a Crucible artifact key/);
    expectCardToContain(card, ['- distillation\n', 'distilled from a teacher model', '| teacher val loss | 1.9000 |', `| https://example.com/sonnets.txt | \`${'b'.repeat(64)}\` |`]);
  });

  it("a quantized copy reports its quantization, keeps its source's training story, and adds an evaluation when given", () => {
    const folder = path.join(root, 'quantized');
    cpSync(pretrained, folder, { recursive: true });
    const source = JSON.parse(readFileSync(path.join(pretrained, MODEL_FILES.provenance), 'utf8'));
    writeFileSync(path.join(folder, MODEL_FILES.provenance), JSON.stringify({ runId: 'run-3', node: { id: 'q', type: 'quantize', config: {} }, inputs: { model: { key: 'float-key', meta: {} } }, source }));
    const report = { decoderFile: 'onnx/model_int8.onnx', settings: { scheme: 'int8', blockSize: 32, symmetric: true }, sizeRatio: 0.3, validation: { floatPerplexity: 7.5, quantizedPerplexity: 7.6, perplexityChangePercent: 1.33 }, greedyAgreement: { topOneAgreement: 0.98 }, decodeSpeedRatio: 1.4 };
    writeFileSync(path.join(folder, 'report.json'), JSON.stringify(report));
    const card = modelCardText({ modelFolder: folder, evaluation: { decoder: 'onnx/model_int8.onnx', valLoss: 2.01, perplexity: 7.46, bitsPerCharacter: 2.9 } });
    expectCardToContain(card, [
      'base_model: local/float-key',
      'base_model_relation: quantized',
      '- quantized\n',
      '| final val loss | 2.0500 |',
      'ONNX decoder `onnx/model_int8.onnx`: int8 weights (MatMulNBits, block 32).',
      '| size vs float32 | 30.0% |',
      '| val perplexity | 7.6000 (float32 7.5000, +1.33%) |',
      '| greedy top-1 agreement with float32 | 98.0% |',
      "{ dtype: 'int8' }",
      '## Evaluation',
      '| perplexity | 7.4600 |',
    ]);
  });

  it('recognises only cards Crucible wrote', () => {
    expect(isCrucibleModelCard('# My model\n')).toBe(false);
    expect(isCrucibleModelCard('---\nlicense: mit\ntags:\n- text-generation\n---\n# x\n')).toBe(false);
  });
});
