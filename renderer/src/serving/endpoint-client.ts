// Calls from the studio page to a served model's OpenAI-compatible API: its /health for the health light, and a
// streamed chat or text completion for the playground. The page's origin is named when the browser is refused.
import { EndpointError, endpointErrorFrom, unreachableMessage } from './endpoint-error.ts';
import { readGenerationStream, type GenerationKind, type StreamOutcome } from './openai-stream.ts';
import { apiBaseUrl } from './snippets.ts';

export type HealthState = 'checking' | 'ok' | 'loading' | 'failed' | 'unreachable';

export interface EndpointHealth {
  state: HealthState;
  detail: string;
  /** ISO time of the answer. */
  checkedAt: string;
}

export interface GenerationCall {
  /** The service URL, with or without /v1. */
  url: string;
  apiKey: string;
  kind: GenerationKind;
  /** The request body less `stream`, which is always on. */
  body: Record<string, unknown>;
}

export interface EndpointClient {
  health(url: string): Promise<EndpointHealth>;
  streamGeneration(call: GenerationCall, onText: (text: string) => void, signal: AbortSignal): Promise<StreamOutcome>;
}

export interface EndpointClientOptions {
  fetch: typeof fetch;
  /** This page's origin, e.g. http://127.0.0.1:4123, for the CORS hint; null where unknown. */
  pageOrigin: string | null;
  healthTimeoutMs?: number;
  now?: () => Date;
}

const DEFAULT_HEALTH_TIMEOUT_MS = 4_000;
const NOT_READY: Record<string, { state: HealthState; detail: string }> = {
  loading: { state: 'loading', detail: 'loading the model' },
  failed: { state: 'failed', detail: 'a deployment failed; see the deploy node’s logs' },
  no_deployments: { state: 'failed', detail: 'no deployment is connected' },
};

/** The service root (no /v1), where /health lives. */
export function serviceRoot(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export function createEndpointClient(options: EndpointClientOptions): EndpointClient {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;

  async function health(url: string): Promise<EndpointHealth> {
    const healthUrl = `${serviceRoot(url)}/health`;
    const answer = (state: HealthState, detail: string): EndpointHealth => ({ state, detail, checkedAt: now().toISOString() });
    let response: Response;
    try {
      response = await options.fetch(healthUrl, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return answer('unreachable', timedOut ? `${healthUrl} did not answer within ${timeoutMs / 1000} s` : unreachableMessage(healthUrl, options.pageOrigin, (error as Error).message));
    }
    if (response.ok) return answer('ok', 'ready');
    const body = (await response.json().catch(() => null)) as { status?: string } | null;
    const known = NOT_READY[body?.status ?? ''];
    return known ? answer(known.state, known.detail) : answer('failed', `${healthUrl} answered HTTP ${response.status}`);
  }

  async function streamGeneration(call: GenerationCall, onText: (text: string) => void, signal: AbortSignal): Promise<StreamOutcome> {
    const target = `${apiBaseUrl(call.url)}/${call.kind === 'chat' ? 'chat/completions' : 'completions'}`;
    let response: Response;
    try {
      response = await options.fetch(target, {
        method: 'POST',
        headers: { authorization: `Bearer ${call.apiKey}`, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ ...call.body, stream: true, stream_options: { include_usage: true } }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new EndpointError(unreachableMessage(target, options.pageOrigin, (error as Error).message), 0, 'unreachable');
    }
    if (!response.ok) throw await endpointErrorFrom(response, `POST ${target}`);
    if (!response.body) throw new EndpointError(`POST ${target} answered without a body`, response.status, null);
    return readGenerationStream(response.body, call.kind, onText);
  }

  return { health, streamGeneration };
}
