// `echo` with prompt logprobs over real HTTP, in the exact shape lm-evaluation-harness's `local-completions` sends
// for log-likelihood requests (a batch of token-id prompts, `echo: true`, `logprobs: 1`, `max_tokens: 1`,
// `temperature: 0`), read back the way it reads them: `token_logprobs[ctxlen:-1]` summed, and "greedy" when each of
// those equals the best of its `top_logprobs`. The bigram model's probabilities are recounted here from its text.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKey, postJson } from './testing/http-helpers.ts';
import { startTestServer, TRAINING_TEXT, type TestServer } from './testing/serving-harness.ts';

let served: TestServer;
let apiKey: string;

beforeAll(async () => {
  served = await startTestServer();
  apiKey = await createKey(served.store, { name: 'harness' });
});
afterAll(async () => served.close());

interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: (number | null)[];
  top_logprobs: (Record<string, number> | null)[];
  text_offset: number[];
}
interface Choice {
  index: number;
  text: string;
  finish_reason: string;
  logprobs: CompletionLogprobs | null;
}
interface Completion {
  choices: Choice[];
  usage: { prompt_tokens: number; completion_tokens: number };
}

async function complete(body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await postJson(`${served.baseURL}/completions`, { model: 'bard-mini', ...body }, { authorization: `Bearer ${apiKey}` });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** log P(next | previous) of the bigram model, recounted: add-one smoothed counts over [end, text, end]. */
function bigramLogprob(previous: number, next: number): number {
  const ids = [0, ...served.generator.tokenize(TRAINING_TEXT), 0];
  const size = served.generator.vocabularySize;
  let pair = 1;
  let total = size;
  for (let i = 1; i < ids.length; i++) {
    if (ids[i - 1] !== previous) continue;
    total += 1;
    if (ids[i] === next) pair += 1;
  }
  return Math.log(pair / total);
}

/** lm-evaluation-harness's reading of one choice (LocalCompletionsAPI.parse_logprobs), in TypeScript. */
function harnessReading(choice: Choice, contextLength: number): { logprob: number; greedy: boolean } {
  const logprobs = choice.logprobs!;
  const continuation = logprobs.token_logprobs.slice(contextLength, -1) as number[];
  const tops = logprobs.top_logprobs.slice(contextLength, -1) as Record<string, number>[];
  return {
    logprob: continuation.reduce((sum, value) => sum + value, 0),
    greedy: continuation.every((value, index) => value === Math.max(...Object.values(tops[index]!))),
  };
}

describe('echo with prompt logprobs, as lm-evaluation-harness sends it', () => {
  const context = 'First Citizen:\n';
  const continuations = ['All:', 'Speak, speak.', 'zzz'];

  it('scores a batch of token prompts: one choice each, the first token null, then each token given the one before', async () => {
    const prompts = continuations.map((continuation) => served.generator.tokenize(context + continuation));
    const { status, json } = await complete({ prompt: prompts, temperature: 0, max_tokens: 1, logprobs: 1, seed: 1234, echo: true });
    expect(status).toBe(200);
    const completion = json as unknown as Completion;
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    completion.choices.forEach((choice, index) => {
      const ids = prompts[index]!;
      const logprobs = choice.logprobs!;
      // The prompt's tokens, then the one generated token, which the harness drops with [:-1].
      expect(logprobs.tokens).toHaveLength(ids.length + 1);
      expect(logprobs.tokens.slice(0, ids.length).join('')).toBe(context + continuations[index]);
      expect(logprobs.token_logprobs[0]).toBeNull();
      expect(logprobs.top_logprobs[0]).toBeNull();
      for (let position = 1; position < ids.length; position++) {
        expect(logprobs.token_logprobs[position]).toBeCloseTo(bigramLogprob(ids[position - 1]!, ids[position]!), 9);
        expect(Object.keys(logprobs.top_logprobs[position]!)).toHaveLength(1);
      }
      expect(logprobs.text_offset).toEqual(logprobs.tokens.map((_, at) => logprobs.tokens.slice(0, at).join('').length));
      expect(choice.text.startsWith(context + continuations[index])).toBe(true);
      expect(choice.text).toHaveLength(logprobs.text_offset.at(-1)! + logprobs.tokens.at(-1)!.length);
    });
    expect(completion.usage.prompt_tokens).toBe(prompts.reduce((sum, ids) => sum + ids.length, 0));
    expect(completion.usage.completion_tokens).toBe(3);
  });

  it("gives the harness each continuation's log-likelihood and whether greedy decoding would produce it", async () => {
    const contextIds = served.generator.tokenize(context);
    const prompts = continuations.map((continuation) => [...contextIds, ...served.generator.tokenize(continuation)]);
    const { json } = await complete({ prompt: prompts, temperature: 0, max_tokens: 1, logprobs: 1, seed: 1234, echo: true });
    const readings = (json as unknown as Completion).choices.map((choice) => harnessReading(choice, contextIds.length));
    prompts.forEach((ids, index) => {
      const expected = ids.slice(contextIds.length).reduce((sum, id, at) => sum + bigramLogprob(ids[contextIds.length + at - 1]!, id), 0);
      expect(readings[index]!.logprob).toBeCloseTo(expected, 9);
    });
    // "zzz" is nothing a bigram of this text would pick; the likeliest continuation is greedy by construction.
    expect(readings[2]!.greedy).toBe(false);
    const greedyText = await complete({ prompt: context, temperature: 0, max_tokens: 3, logit_bias: { '0': -100 } });
    const greedyContinuation = served.generator.tokenize(((greedyText.json as unknown as Completion).choices[0]!).text);
    const { json: greedyJson } = await complete({ prompt: [[...contextIds, ...greedyContinuation]], temperature: 0, max_tokens: 1, logprobs: 1, echo: true });
    expect(harnessReading((greedyJson as unknown as Completion).choices[0]!, contextIds.length).greedy).toBe(true);
  });

  it("takes the one greedy token from the prompt's score, with no second pass, and it is the token generation gives", async () => {
    const prompts = ['First Citizen:\nBefore', 'All:\nSpeak, sp', 'Resolved. resolved'];
    const generate = vi.spyOn(served.generator, 'generate');
    const { json } = await complete({ prompt: prompts, temperature: 0, max_tokens: 1, logprobs: 1, echo: true });
    expect(generate).not.toHaveBeenCalled();
    generate.mockRestore();
    const choices = (json as unknown as Completion).choices;
    for (const [index, prompt] of prompts.entries()) {
      const plain = ((await complete({ prompt, temperature: 0, max_tokens: 1 })).json as unknown as Completion).choices[0]!;
      expect(choices[index]!.text).toBe(prompt + plain.text);
      expect(choices[index]!.finish_reason).toBe(plain.finish_reason);
      const last = choices[index]!.logprobs!;
      expect(last.token_logprobs.at(-1)).toBe(Math.max(...Object.values(last.top_logprobs.at(-1)!)));
    }
    expect((json as unknown as Completion).usage.completion_tokens).toBe(choices.filter((choice) => choice.finish_reason === 'length').length);
  });

  it('answers max_tokens 0 with the scored prompt alone', async () => {
    const { status, json } = await complete({ prompt: 'Speak, speak.', max_tokens: 0, logprobs: 2, echo: true });
    expect(status).toBe(200);
    const [choice] = (json as unknown as Completion).choices;
    expect(choice!.text).toBe('Speak, speak.');
    expect(choice!.finish_reason).toBe('length');
    expect(choice!.logprobs!.tokens.join('')).toBe('Speak, speak.');
    expect(Object.keys(choice!.logprobs!.top_logprobs[1]!)).toHaveLength(2);
    expect((json as unknown as Completion).usage.completion_tokens).toBe(0);
  });

  it('lists an end-of-text that ended the generation at once, so the harness drops it and not a prompt token', async () => {
    const ids = served.generator.tokenize('All:');
    const { json } = await complete({ prompt: [ids], temperature: 0, max_tokens: 1, logprobs: 1, echo: true, logit_bias: { '0': 100 } });
    const [choice] = (json as unknown as Completion).choices;
    expect(choice!.finish_reason).toBe('stop');
    expect(choice!.text).toBe('All:');
    expect(choice!.logprobs!.tokens).toEqual(['A', 'l', 'l', ':', '<|endoftext|>']);
    expect(choice!.logprobs!.token_logprobs.at(-1)).toBeCloseTo(bigramLogprob(ids.at(-1)!, 0), 9);
    expect(harnessReading(choice!, 1).logprob).toBeCloseTo(bigramLogprob(ids[0]!, ids[1]!) + bigramLogprob(ids[1]!, ids[2]!) + bigramLogprob(ids[2]!, ids[3]!), 9);
  });

  it('echoes the prompt without logprobs, and answers several string prompts as the same requests one by one would', async () => {
    const echoed = await complete({ prompt: 'All:', max_tokens: 4, seed: 5, echo: true });
    const alone = await complete({ prompt: 'All:', max_tokens: 4, seed: 5 });
    expect((echoed.json as unknown as Completion).choices[0]!.text).toBe(`All:${(alone.json as unknown as Completion).choices[0]!.text}`);
    expect((echoed.json as unknown as Completion).choices[0]!.logprobs).toBeNull();
    const batch = await complete({ prompt: ['All:', 'First'], max_tokens: 4, seed: 5 });
    const first = await complete({ prompt: 'First', max_tokens: 4, seed: 5 });
    expect((batch.json as unknown as Completion).choices.map((choice) => choice.text)).toEqual([(alone.json as unknown as Completion).choices[0]!.text, (first.json as unknown as Completion).choices[0]!.text]);
  });

  it("answers a failed prompt score with the 500 that names the model and the model's error", async () => {
    const score = vi.spyOn(served.generator, 'scorePrompt').mockRejectedValueOnce(new Error('the worker went away'));
    try {
      const { status, json } = await complete({ prompt: 'All:', max_tokens: 1, logprobs: 1, echo: true });
      expect(status).toBe(500);
      expect(json.error).toMatchObject({ code: 'generation_failed', message: expect.stringContaining('`bard-mini` failed while scoring the prompt: the worker went away') });
    } finally {
      score.mockRestore();
    }
  });

  it('refuses what it cannot answer, naming the field', async () => {
    const noEcho = await complete({ prompt: 'x', max_tokens: 0 });
    expect(noEcho.status).toBe(400);
    expect(noEcho.json.error).toMatchObject({ param: 'max_tokens', message: expect.stringContaining('only allowed with echo: true') });
    const streamed = await complete({ prompt: 'x', max_tokens: 1, echo: true, stream: true });
    expect(streamed.json.error).toMatchObject({ param: 'echo', message: expect.stringContaining('send stream: false') });
    const streamedBatch = await complete({ prompt: ['x', 'y'], max_tokens: 1, stream: true });
    expect(streamedBatch.json.error).toMatchObject({ param: 'prompt', message: expect.stringContaining('2 prompts were sent with stream: true') });
    const badToken = await complete({ prompt: [[1, 2], [1, 99_999]], max_tokens: 1 });
    expect(badToken.json.error).toMatchObject({ param: 'prompt[1]' });
  });
});

/**
 * The harness's own parsing, run by Python when there is one: a short script written from lm-evaluation-harness's
 * LocalCompletionsAPI.parse_logprobs (choices sorted by index, zipped with the context lengths).
 */
const PARSE_LOGPROBS_PY = `
import json, sys
from operator import itemgetter
out, ctxlens = json.load(sys.stdin)
res = []
for choice, ctxlen in zip(sorted(out["choices"], key=itemgetter("index")), ctxlens):
    assert ctxlen > 0
    lp = choice["logprobs"]
    scored = lp["token_logprobs"][ctxlen:-1]
    greedy = all(tok == max(top.values()) for tok, top in zip(scored, lp["top_logprobs"][ctxlen:-1]))
    res.append([sum(scored), greedy])
print(json.dumps(res))
`;

const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : null;

describe.skipIf(python === null)('the same response read by Python as the harness reads it', () => {
  it('gives the sums and greedy flags the TypeScript reading gives', async () => {
    const contextIds = served.generator.tokenize('All:\n');
    const prompts = ['Speak', 'We know', 'qqq'].map((continuation) => [...contextIds, ...served.generator.tokenize(continuation)]);
    const { json } = await complete({ prompt: prompts, temperature: 0, max_tokens: 1, logprobs: 1, seed: 1234, echo: true });
    const folder = mkdtempSync(path.join(tmpdir(), 'crucible-harness-'));
    try {
      const script = path.join(folder, 'parse_logprobs.py');
      writeFileSync(script, PARSE_LOGPROBS_PY);
      const run = spawnSync(python!, [script], { input: JSON.stringify([json, prompts.map(() => contextIds.length)]), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const parsed = JSON.parse(run.stdout) as [number, boolean][];
      const expected = (json as unknown as Completion).choices.map((choice) => harnessReading(choice, contextIds.length));
      // Python 3.12+ sums floats with compensation, so its sum may differ from a plain one in the last bits.
      parsed.forEach(([logprob], index) => expect(logprob).toBeCloseTo(expected[index]!.logprob, 10));
      expect(parsed.map(([, greedy]) => greedy)).toEqual(expected.map((reading) => reading.greedy));
      expect(parsed[0]![0]).toBeLessThan(0);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("vLLM's tokenizer routes, which the harness uses instead of a local tokenizer", () => {
  const auth = () => ({ authorization: `Bearer ${apiKey}` });

  it('pass the checks the harness makes, and tokenize as completions do', async () => {
    // check_remote_tokenizer_support: /tokenizer_info answers a dict with eos_token, /tokenize a list of tokens.
    const info = (await (await fetch(`${served.url}/tokenizer_info`, { headers: auth() })).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ model: 'bard-mini', eos_token: '<|endoftext|>', max_model_len: 128, vocab_size: served.generator.vocabularySize });
    const tokenized = (await (await postJson(`${served.url}/tokenize`, { prompt: 'test', add_special_tokens: false }, auth())).json()) as { tokens: number[]; count: number };
    expect(tokenized.tokens).toEqual(served.generator.tokenize('test'));
    expect(tokenized.count).toBe(4);
    const detokenized = (await (await postJson(`${served.url}/detokenize`, { tokens: tokenized.tokens }, auth())).json()) as { prompt: string };
    expect(detokenized.prompt).toBe('test');
  });

  it('need a key, and refuse token ids outside the vocabulary by position', async () => {
    expect((await fetch(`${served.url}/tokenizer_info`)).status).toBe(401);
    const bad = await postJson(`${served.url}/detokenize`, { tokens: [3, 1e6] }, auth());
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('tokens[1]');
    const unknown = await postJson(`${served.url}/tokenize`, { model: 'nope', prompt: 'x' }, auth());
    expect(unknown.status).toBe(404);
  });
});
