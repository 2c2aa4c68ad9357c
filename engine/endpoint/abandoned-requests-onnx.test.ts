// Requests given up while a real ONNX deployment (a tiny random GPT-2 in worker threads, one batch slot) is
// generating for them: a streaming client that disconnects gives its slot back, so the next request is served, and a
// request whose time runs out mid-generation gets its 504. Both used to hang on the token they were waiting for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxTextGenerator } from '../inference/onnx-text-generator.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../inference/testing/tiny-model-folder.ts';
import { Deployment } from './deployment.ts';
import { createOpenAiServer, type OpenAiServer } from './openai-server.ts';
import { openStream, postJson, waitFor } from './testing/http-helpers.ts';
import { DEFAULT_SAMPLING } from './testing/serving-harness.ts';

let fixture: TinyModelFolder;
let generator: OnnxTextGenerator;
let deployment: Deployment;
const servers: OpenAiServer[] = [];

async function serve(requestTimeoutMs?: number): Promise<string> {
  const server = createOpenAiServer({ config: { port: 0, auth: 'none' }, deployments: [deployment], store: null, requestTimeoutMs, onWarning: () => undefined });
  servers.push(server);
  return (await server.listen()).url;
}

beforeAll(async () => {
  // A long context, so that a request can generate for much longer than the 40 ms timeout below on any CPU: 200
  // tokens of this tiny model took about 40 ms on a fast one and sometimes finished in time.
  fixture = writeTinyModelFolder({ blockSize: 4096 });
  generator = new OnnxTextGenerator({ modelDir: fixture.folder, modelId: 'tiny', maxBatchSize: 1, log: () => undefined });
  await generator.whenReady();
  deployment = new Deployment({ generator, maxBatchSize: 1, maxQueue: 8, defaults: DEFAULT_SAMPLING });
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await generator.close();
  fixture.remove();
});

describe('a request given up mid-generation (real ONNX runtime)', () => {
  it('gives its batch slot back when a streaming client disconnects, so the next request is served', async () => {
    const url = await serve();
    const eos = generator.tokenize('<|endoftext|>')[0]!;
    const stream = await openStream(`${url}/v1/completions`, { model: 'tiny', prompt: 'First Citizen', max_tokens: 200, logit_bias: { [eos]: -100 } }, 'unused');
    expect(deployment.running).toBe(1);
    stream.abort();
    await waitFor(() => deployment.running === 0);
    const next = await postJson(`${url}/v1/completions`, { model: 'tiny', prompt: 'First Citizen', max_tokens: 5 });
    expect(next.status).toBe(200);
  });

  it('answers 504 when its time runs out while it generates', async () => {
    const url = await serve(40);
    const eos = generator.tokenize('<|endoftext|>')[0]!;
    const response = await postJson(`${url}/v1/completions`, { model: 'tiny', prompt: 'First Citizen', max_tokens: 4000, logit_bias: { [eos]: -100 } }, {}, AbortSignal.timeout(5_000));
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('timeout');
    await waitFor(() => deployment.running === 0);
  });
});
