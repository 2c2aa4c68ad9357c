// The multiple-choice suite: its three line shapes read to the same questions, bad lines are refused with their line
// number, and accuracy is what summed log-likelihoods computed here token by token (through the decoder's KV cache,
// another path than the scorer's one pass) say it must be; evaluateModel reports it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logSoftmax } from '../../inference/sampling.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../../inference/testing/tiny-model-folder.ts';
import { loadHuggingFaceTokenizer, type Tokenizer } from '../../tokenize/index.ts';
import { DecoderSession } from '../export/decoder-session.ts';
import { evaluateModel } from './evaluate-model.ts';
import { continuationOf, scoreMultipleChoice } from './multiple-choice.ts';
import { readMultipleChoiceSuite, type MultipleChoiceItem } from './multiple-choice-suite.ts';
import { writeCharTokensArtifact } from './testing/char-tokens.ts';
import { shakespeareExcerpt } from './testing/tiny-settings.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-multiple-choice-'));
let fixture: TinyModelFolder;
let tokenizer: Tokenizer;
let decoder: DecoderSession;

beforeAll(async () => {
  fixture = writeTinyModelFolder({ noise: 0.3 });
  tokenizer = loadHuggingFaceTokenizer(JSON.parse(readFileSync(path.join(fixture.folder, 'tokenizer.json'), 'utf8')), 'tokenizer.json');
  decoder = await DecoderSession.create(fixture.config, readFileSync(path.join(fixture.folder, 'onnx', 'model.onnx')));
});
afterAll(async () => {
  await decoder.release();
  fixture.remove();
  rmSync(root, { recursive: true, force: true });
});

function writeSuite(name: string, lines: readonly unknown[]): string {
  const file = path.join(root, name);
  writeFileSync(file, `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')}\n`);
  return file;
}

describe('readMultipleChoiceSuite', () => {
  it("reads Crucible's, HellaSwag's and ARC's line shapes as the same question", () => {
    const file = writeSuite('shapes.jsonl', [
      { context: 'All:', choices: ['Speak', 'Resolved'], label: 1 },
      '',
      { ctx: 'All:', endings: ['Speak', 'Resolved'], label: '1' },
      { question: 'All:', choices: { text: ['Speak', 'Resolved'], label: ['A', 'B'] }, answerKey: 'B' },
      { question: 'All:', choices: { text: ['Speak', 'Resolved'], label: ['1', '2'] }, answerKey: '2' },
    ]);
    const expected: MultipleChoiceItem = { context: 'All:', choices: ['Speak', 'Resolved'], gold: 1 };
    expect(readMultipleChoiceSuite(file)).toEqual([expected, expected, expected, expected]);
  });

  it('refuses a bad line with its line number and what to write instead', () => {
    const cases: [unknown, string][] = [
      ['{not json', 'not valid JSON'],
      [{ choices: ['a', 'b'], label: 0 }, 'no context'],
      [{ context: 'x', choices: ['a'], label: 0 }, '1 choice(s)'],
      [{ context: 'x', choices: ['a', 'b'] }, 'no right answer'],
      [{ context: 'x', choices: ['a', 'b'], label: 2 }, 'the right answer is choice 2 (counting from 0), but there are 2 choices'],
    ];
    for (const [line, message] of cases) {
      const file = writeSuite('bad.jsonl', [{ context: 'ok', choices: ['a', 'b'], label: 0 }, line]);
      expect(() => readMultipleChoiceSuite(file)).toThrow(`${file}:2: ${message}`);
    }
    expect(() => readMultipleChoiceSuite(path.join(root, 'missing.jsonl'))).toThrow('cannot be read (ENOENT)');
  });
});

/** Σ log P over the continuation's tokens, one token at a time through the decoder's cache. */
async function stepwiseLogprob(context: string, choice: string): Promise<number> {
  const contextIds = tokenizer.encode(context);
  const continuation = continuationOf(context, choice);
  const ids = [...contextIds, ...tokenizer.encode(continuation)];
  decoder.reset();
  let sum = 0;
  let logits = await decoder.append([ids[0]!]);
  for (let position = 1; position < ids.length; position++) {
    if (position >= contextIds.length) sum += logSoftmax(logits)[ids[position]!]!;
    logits = await decoder.append([ids[position]!]);
  }
  return sum;
}

const argmax = (values: number[]) => values.indexOf(Math.max(...values));

describe('scoreMultipleChoice', () => {
  const questions = [
    { context: 'First Citizen:', choices: ['Before we proceed', 'famish', 'zq xv'] },
    { context: 'All: Speak,', choices: ['speak.', 'resolved', 'Caius Marcius'] },
    { context: 'You are all resolved rather to', choices: ['die', 'famish?', 'naïve über'] },
    { context: 'hear me', choices: [' speak', ' chief enemy'] },
  ];

  it('counts a question right exactly when its right choice has the highest summed (or per-character) log-likelihood', async () => {
    const sums = await Promise.all(questions.map(async () => [] as number[]));
    for (const [index, question] of questions.entries()) for (const choice of question.choices) sums[index]!.push(await stepwiseLogprob(question.context, choice));
    // The first two questions name the model's favourite as right, the others a choice it does not favourite.
    const items = questions.map((question, index) => {
      const best = argmax(sums[index]!);
      return { ...question, gold: index < 2 ? best : (best + 1) % question.choices.length };
    });
    const normRight = items.filter((item, index) => argmax(sums[index]!.map((sum, choice) => sum / [...continuationOf(item.context, item.choices[choice]!)].length)) === item.gold).length;
    const report = await scoreMultipleChoice(decoder, tokenizer, items, { file: 'suite.jsonl', startTokenId: null });
    expect(report).toEqual({ file: 'suite.jsonl', questions: 4, accuracy: 0.5, accuracyNorm: normRight / 4 });
  });

  it('refuses an empty context when the model has nothing to start from', async () => {
    const item = { context: '', choices: ['a', 'b'], gold: 0 };
    await expect(scoreMultipleChoice(decoder, tokenizer, [item], { file: 's.jsonl', startTokenId: null })).rejects.toThrow('s.jsonl: question 1: the context is empty');
    const started = await scoreMultipleChoice(decoder, tokenizer, [item], { file: 's.jsonl', startTokenId: 0 });
    expect(started.questions).toBe(1);
  });
});

describe('evaluateModel with a multiple-choice suite', () => {
  it('reports the accuracy beside the loss', async () => {
    const tokens = writeCharTokensArtifact(path.join(root, 'tokens'), shakespeareExcerpt(4_000));
    const file = writeSuite('suite.jsonl', questions());
    const job = { modelFolder: fixture.folder, valShard: path.join(tokens.folder, 'val'), valMask: null, batchSize: 2, evalBatches: 1, samples: 0, maxNewTokens: 1, prompt: 'A', temperature: 0, topK: 0, seed: 1, threads: 1 };
    const report = await evaluateModel({ ...job, multipleChoiceFile: file });
    // What the scorer gives for the same suite (any accuracy of two questions is 0, 0.5 or 1, so check the whole report).
    expect(report.multipleChoice).toEqual(await scoreMultipleChoice(decoder, tokenizer, readMultipleChoiceSuite(file), { file, startTokenId: null }));
    expect((await evaluateModel(job)).multipleChoice).toBeNull();
    await expect(evaluateModel({ ...job, multipleChoiceFile: path.join(root, 'no-such-suite.jsonl') })).rejects.toThrow('no-such-suite.jsonl cannot be read (ENOENT)');
  });

  function questions() {
    return [
      { context: 'First Citizen:', choices: ['Before', 'zq'], label: 0 },
      { ctx: 'All:', endings: ['Speak', 'xv'], label: '0' },
    ];
  }
});
