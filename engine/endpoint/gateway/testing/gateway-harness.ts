// Test support: a gateway (the real OpenAI-compatible server) on 127.0.0.1 over upstreams a test started, without
// local deployments, keys or a usage log unless the test passes them.
import type { UpstreamConfig } from '../../../../nodes/api-endpoint/upstreams.ts';
import { createOpenAiServer, type ApiEndpointConfigInput, type OpenAiServer, type OpenAiServerOptions } from '../../openai-server.ts';

export interface TestGateway {
  url: string;
  baseURL: string;
  server: OpenAiServer;
  logs: string[];
  close(): Promise<void>;
}

export async function startGateway(
  upstreams: Array<Partial<UpstreamConfig> & { url: string }>,
  options: { config?: ApiEndpointConfigInput; server?: Partial<OpenAiServerOptions> } = {},
): Promise<TestGateway> {
  const logs: string[] = [];
  const server = createOpenAiServer({
    config: { port: 0, auth: 'none', ...options.config, upstreams, routing: { healthCheckIntervalMs: 200, cooldownMs: 200, ...options.config?.routing } },
    deployments: [],
    store: null,
    onWarning: () => undefined,
    log: (line) => logs.push(line),
    ...options.server,
  });
  const { url } = await server.listen();
  return { url, baseURL: `${url}/v1`, server, logs, close: () => server.close() };
}

/** Reads a whole SSE body and returns its `data:` payloads ("[DONE]" stays a string). */
export async function readSse(response: Response): Promise<unknown[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((record) => record.startsWith('data: '))
    .map((record) => record.slice(6))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

export function chatBody(model: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: 'Speak.' }], max_tokens: 8, ...extra };
}
