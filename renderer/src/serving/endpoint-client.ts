// Calls from the studio page to a served model's OpenAI-compatible API, relayed by the engine so no endpoint needs
// the page's origin in its CORS list: its /health for the health light, and a streamed chat or text completion.
import { EndpointError, endpointErrorFrom } from './endpoint-error.ts';
import { readGenerationStream, type GenerationKind, type StreamOutcome } from './openai-stream.ts';

export type HealthState = 'checking' | 'ok' | 'loading' | 'failed' | 'unreachable';

export interface EndpointHealth {
  state: HealthState;
  detail: string;
  /** ISO time of the answer. */
  checkedAt: string;
}

export interface GenerationCall {
  /** The api-endpoint service to call (its id in the engine's service list). */
  serviceId: string;
  apiKey: string;
  kind: GenerationKind;
  /** The request body less `stream`, which is always on. */
  body: Record<string, unknown>;
}

export interface EndpointClient {
  health(serviceId: string): Promise<EndpointHealth>;
  streamGeneration(call: GenerationCall, onText: (text: string) => void, signal: AbortSignal): Promise<StreamOutcome>;
}

/** Fetches an endpoint path (`/health`, `/v1/...`) of a service through the engine, as EngineApi.fetchFromService does. */
export type ServiceFetch = (serviceId: string, endpointPath: string, init?: RequestInit) => Promise<Response>;

export interface EndpointClientOptions {
  fetchFromService: ServiceFetch;
  healthTimeoutMs?: number;
  now?: () => Date;
}

const DEFAULT_HEALTH_TIMEOUT_MS = 4_000;
const NOT_READY: Record<string, { state: HealthState; detail: string }> = {
  loading: { state: 'loading', detail: 'loading the model' },
  restarting: { state: 'loading', detail: 'an inference worker crashed and is restarting' },
  failed: { state: 'failed', detail: 'a deployment failed; see the deploy node’s logs' },
  no_deployments: { state: 'failed', detail: 'no deployment is connected' },
};

interface HealthBody {
  /** The endpoint's own answer. */
  status?: unknown;
  /** The engine's, when it could not relay (service stopped, endpoint silent). */
  error?: { message?: unknown };
}

export function createEndpointClient(options: EndpointClientOptions): EndpointClient {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;

  async function health(serviceId: string): Promise<EndpointHealth> {
    const answer = (state: HealthState, detail: string): EndpointHealth => ({ state, detail, checkedAt: now().toISOString() });
    let response: Response;
    try {
      response = await options.fetchFromService(serviceId, '/health', { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return answer('unreachable', timedOut ? `/health did not answer within ${timeoutMs / 1000} s` : `Cannot ask /health through the engine (${(error as Error).message}).`);
    }
    if (response.ok) return answer('ok', 'ready');
    const body = (await response.json().catch(() => null)) as HealthBody | null;
    const known = typeof body?.status === 'string' ? NOT_READY[body.status] : undefined;
    if (known) return answer(known.state, known.detail);
    if (typeof body?.error?.message === 'string') return answer('unreachable', body.error.message);
    return answer('failed', `/health answered HTTP ${response.status}`);
  }

  async function streamGeneration(call: GenerationCall, onText: (text: string) => void, signal: AbortSignal): Promise<StreamOutcome> {
    const endpointPath = call.kind === 'chat' ? '/v1/chat/completions' : '/v1/completions';
    let response: Response;
    try {
      response = await options.fetchFromService(call.serviceId, endpointPath, {
        method: 'POST',
        headers: { authorization: `Bearer ${call.apiKey}`, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ ...call.body, stream: true, stream_options: { include_usage: true } }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new EndpointError(`Cannot call ${endpointPath} through the engine (${(error as Error).message}).`, 0, 'unreachable');
    }
    if (!response.ok) throw await endpointErrorFrom(response, `POST ${endpointPath}`);
    if (!response.body) throw new EndpointError(`POST ${endpointPath} answered without a body`, response.status, null);
    return readGenerationStream(response.body, call.kind, onText);
  }

  return { health, streamGeneration };
}
