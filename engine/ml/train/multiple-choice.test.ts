// The multiple-choice suite: its three line shapes read to the same questions, bad lines are refused with their line
// number, and accuracy is what summed log-likelihoods computed here token by token (through the decoder's KV cache,
// another path than the scorer's one pass) say it must be. Each choice's score is the sum a plain-loop float64 forward
// (no ONNX, no cache) gives, and evaluateModel reports the accuracy those sums give.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logSoftmax } from '../../inference/sampling.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../../inference/testing/tiny-model-folder.ts';
import { loadHuggingFaceTokenizer, type Tokenizer } from '../../tokenize/index.ts';
import { DecoderSession } from '../export/decoder-session.ts';
import { readModelFolder, specialTokenIds } from '../export/model-folder.ts';
import type { Gpt2Config } from '../gpt2/config.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import { referenceGpt2Forward } from '../gpt2/reference-forward.ts';
import { requireGpt2 } from '../model-config.ts';
import { evaluateModel } from './evaluate-model.ts';
import { continuationOf, scoreMultipleChoice } from './multiple-choice.ts';
import { readMultipleChoiceSuite, type MultipleChoiceItem } from './multiple-choice-suite.ts';
import { writeCharTokensArtifact } from './testing/char-tokens.ts';
import { shakespeareExcerpt } from './testing/tiny-settings.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-multiple-choice-'));
let fixture: TinyModelFolder;
let tokenizer: Tokenizer;
let decoder: DecoderSession;
let config: Gpt2Config;
let parameters: ParameterSet;

beforeAll(async () => {
  fixture = writeTinyModelFolder({ noise: 0.3 });
  tokenizer = loadHuggingFaceTokenizer(JSON.parse(readFileSync(path.join(fixture.folder, 'tokenizer.json'), 'utf8')), 'tokenizer.json');
  const model = readModelFolder(fixture.folder);
  config = requireGpt2(model.config, 'the multiple-choice reference');
  parameters = model.parameters;
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

  it('reads a file that starts with a UTF-8 BOM, and refuses one that is not UTF-8 with its line', () => {
    const line = JSON.stringify({ context: 'Café:', choices: ['a', 'b'], label: 1 });
    const bom = path.join(root, 'bom.jsonl');
    writeFileSync(bom, `\uFEFF${line}\r\n${line}\n`);
    expect(readMultipleChoiceSuite(bom)).toEqual([1, 2].map(() => ({ context: 'Café:', choices: ['a', 'b'], gold: 1 })));
    const latin1 = path.join(root, 'latin1.jsonl');
    writeFileSync(latin1, Buffer.concat([Buffer.from(`${line}\n`), Buffer.from(line.replace('é', '\u00e9'), 'latin1'), Buffer.from('\n')]));
    expect(() => readMultipleChoiceSuite(latin1)).toThrow(`evaluate: ${latin1}:2: not valid UTF-8; re-save the multiple-choice suite as UTF-8 (or convert it with iconv)`);
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

/** lm-evaluation-harness's join, written out again here: one space between context and choice unless either side has whitespace there. */
const appendedText = (context: string, choice: string) => (context === '' || /\s$/.test(context) || /^\s/.test(choice) ? choice : ` ${choice}`);

/**
 * A choice's score by the scorer's definition, computed without it: the context encoded alone (the start token when it
 * encodes to nothing) followed by the appended text encoded alone, cut from the start to the model's context, read once
 * by the float64 reference forward; Σ log-softmax(logits at position - 1)[id] over the appended text's positions.
 */
function referenceScore(context: string, choice: string, startTokenId: number | null): { sum: number; characters: number } {
  const text = appendedText(context, choice);
  const contextIds = tokenizer.encode(context);
  const choiceIds = tokenizer.encode(text);
  const ids = [...(contextIds.length > 0 ? contextIds : [startTokenId!]), ...choiceIds].slice(-config.blockSize);
  const { logits } = referenceGpt2Forward(config, parameters, [ids], [ids]);
  const V = config.vocabSize;
  let sum = 0;
  for (let position = ids.length - choiceIds.length; position < ids.length; position++) {
    const row = logits.slice((position - 1) * V, position * V);
    const max = Math.max(...row);
    const logSumExp = max + Math.log(row.reduce((total, logit) => total + Math.exp(logit - max), 0));
    sum += row[ids[position]!]! - logSumExp;
  }
  return { sum, characters: [...text].length };
}

/** What a suite scores to when each choice scores what `referenceScore` says; throws when a pick is within `margin` of a tie. */
function referenceReport(file: string, items: readonly MultipleChoiceItem[], startTokenId: number | null, margin = 1e-3) {
  const scores = items.map((item) => item.choices.map((choice) => referenceScore(item.context, choice, startTokenId)));
  const picked = (values: number[]) => {
    const [best, second] = [...values].sort((a, b) => b - a);
    if (best! - second! < margin) throw new Error(`reference: two choices score within ${margin} (${best}, ${second}); pick other choices`);
    return argmax(values);
  };
  const right = (normalised: boolean) => items.filter((item, index) => picked(scores[index]!.map((score) => (normalised ? score.sum / score.characters : score.sum))) === item.gold).length;
  return { scores, report: { file, questions: items.length, accuracy: right(false) / items.length, accuracyNorm: right(true) / items.length } };
}

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

  it("scores each choice as the reference forward's summed log-probability of its tokens, and picks the answer from those sums", async () => {
    const startTokenId = specialTokenIds(readFileSync(path.join(fixture.folder, 'tokenizer.json'), 'utf8')).eos ?? 0;
    const long = 'First Citizen: Before we proceed any further, hear me speak. '.repeat(3);
    expect(tokenizer.encode(long).length, 'the long context is cut to the model context').toBeGreaterThan(config.blockSize);
    const asked = [
      ...questions,
      { context: '', choices: ['First Citizen', 'zq xv'] },
      { context: long, choices: ['All: Speak, speak.', 'You are all resolved', 'Café'] },
    ];
    const sums = asked.map((question) => question.choices.map((choice) => referenceScore(question.context, choice, startTokenId).sum));
    // Half name the reference's favourite as right, half another choice, so both outcomes count.
    const items = asked.map((question, index) => ({ ...question, gold: (argmax(sums[index]!) + (index % 2)) % question.choices.length }));
    const expected = referenceReport('suite.jsonl', items, startTokenId);
    const scored: number[][] = [];
    const report = await scoreMultipleChoice(decoder, tokenizer, items, { file: 'suite.jsonl', startTokenId, onChoiceScores: (question, choiceSums) => (scored[question] = [...choiceSums]) });
    expect(scored).toHaveLength(items.length);
    for (const [question, reference] of expected.scores.entries()) {
      expect(scored[question]).toHaveLength(reference.length);
      reference.forEach(({ sum }, choice) => expect(Math.abs(scored[question]![choice]! - sum), `question ${question}, choice ${choice}`).toBeLessThan(1e-4));
    }
    expect(report).toEqual(expected.report);
    expect(report.accuracy).toBe(0.5);
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
    // What the reference forward's sums give for the suite (its contexts are not empty, so no start token is read).
    const expected = referenceReport(file, readMultipleChoiceSuite(file), null).report;
    expect(report.multipleChoice).toEqual(expected);
    expect(expected.accuracy, 'one question right, one wrong').toBe(0.5);
    expect((await evaluateModel(job)).multipleChoice).toBeNull();
    await expect(evaluateModel({ ...job, multipleChoiceFile: path.join(root, 'no-such-suite.jsonl') })).rejects.toThrow('no-such-suite.jsonl cannot be read (ENOENT)');
  });

  function questions() {
    return [
      { context: 'First Citizen:', choices: ['Before', 'zq'], label: 0 },
      { ctx: 'All:', endings: ['Speak', 'xv'], label: '1' },
    ];
  }
});
