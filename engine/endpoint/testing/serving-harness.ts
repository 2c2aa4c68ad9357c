// Test support: a real OpenAI-compatible server on 127.0.0.1 over bigram generators, with its own data folder and
// store, so tests can create keys, call it with the openai client and read the database behind it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deployment, type DeploymentOptions } from '../deployment.ts';
import { createOpenAiServer, type ApiEndpointConfigInput, type OpenAiServer, type OpenAiServerOptions } from '../openai-server.ts';
import { ServingStore } from '../store/serving-store.ts';
import { BigramGenerator, type BigramGeneratorOptions } from './bigram-generator.ts';

export const TRAINING_TEXT = `First Citizen:
Before we proceed any further, hear me speak.
All:
Speak, speak.
First Citizen:
You are all resolved rather to die than to famish?
All:
Resolved. resolved.
First Citizen:
First, you know Caius Marcius is chief enemy to the people.
All:
We know't, we know't.
First Citizen:
Let us kill him, and we'll have corn at our own price. Is't a verdict?
`;

export interface TestServerOptions {
  config?: ApiEndpointConfigInput;
  generator?: Partial<BigramGeneratorOptions>;
  deployment?: Partial<Omit<DeploymentOptions, 'generator'>>;
  server?: Partial<Omit<OpenAiServerOptions, 'config' | 'deployments' | 'store'>>;
}

export interface TestServer {
  url: string;
  baseURL: string;
  server: OpenAiServer;
  store: ServingStore;
  generator: BigramGenerator;
  deployment: Deployment;
  dataDir: string;
  close(): Promise<void>;
}

export const DEFAULT_SAMPLING = { temperature: 0.8, topP: 1, topK: 0, maxTokens: 16 };

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-serving-'));
  const store = ServingStore.open({ dataDir });
  const removeData = async () => {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const generator = new BigramGenerator({ modelId: 'bard-mini', trainingText: TRAINING_TEXT, contextLength: 128, ...options.generator });
  const deployment = new Deployment({ generator, maxBatchSize: 4, maxQueue: 8, defaults: DEFAULT_SAMPLING, ...options.deployment });
  let server: OpenAiServer;
  let url: string;
  try {
    // A config the server refuses (tests check that it does) must not leave the store open and the folder behind.
    server = createOpenAiServer({
      config: { port: 0, ...options.config },
      deployments: [deployment],
      store,
      onWarning: () => undefined,
      ...options.server,
    });
    ({ url } = await server.listen());
  } catch (error) {
    await removeData();
    throw error;
  }
  return {
    url,
    baseURL: `${url}/v1`,
    server,
    store,
    generator,
    deployment,
    dataDir,
    async close() {
      await server.close();
      await removeData();
    },
  };
}
