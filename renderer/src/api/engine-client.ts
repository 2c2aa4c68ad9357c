// Typed calls to the engine's HTTP API (routes and shapes from app/protocol/engine-api.ts), each carrying the
// per-launch token. Errors keep the engine's code, message and validation problems for the UI to show.
import type { ValidationProblem } from '../../../app/graph/problems.ts';
import {
  ROUTES,
  TOKEN_HEADER,
  type ApiError,
  type ArtifactsResponse,
  type LogLine,
  type NodeTypesResponse,
  type RunDetail,
  type RunListItem,
  type ServicesResponse,
  type StartRunRequest,
  type StartRunResponse,
  type ValidateRequest,
  type ValidateResponse,
} from '../../../app/protocol/engine-api.ts';
import type { ApiKeyInfo, CreateApiKeyRequest, CreatedApiKey, UpdateApiKeyRequest, UsageQuery, UsageReport } from '../../../app/protocol/serving-api.ts';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { createPreviewApi, type PreviewApi } from './preview-client.ts';
import { openReconnectingStream, type StreamStatus } from './reconnecting-stream.ts';

export interface EngineConnection {
  /** e.g. http://127.0.0.1:4123; empty for the page's own origin. */
  baseUrl: string;
  token: string;
}

export class EngineRequestError extends Error {
  override name = 'EngineRequestError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly problems: ValidationProblem[] = [],
  ) {
    super(message);
  }
}

export interface EngineApi {
  nodeTypes(): Promise<NodeTypesResponse>;
  /** Checks the file and, with its path, where its sources point on the engine's machine. */
  validate(request: ValidateRequest): Promise<ValidateResponse>;
  startRun(request: StartRunRequest): Promise<StartRunResponse>;
  cancelRun(runId: string): Promise<void>;
  listRuns(limit?: number): Promise<RunListItem[]>;
  getRun(runId: string): Promise<RunDetail>;
  runLogs(runId: string): Promise<LogLine[]>;
  artifacts(): Promise<ArtifactsResponse>;
  services(): Promise<ServicesResponse>;
  /** Stops a service; it stays down, also after the engine restarts. Answers it as it is now. */
  stopService(serviceId: string): Promise<ServiceInfo>;
  /** Stops a service if it runs and starts it again; answers the services started (a deployment's endpoints too). */
  restartService(serviceId: string): Promise<ServiceInfo[]>;
  listApiKeys(): Promise<ApiKeyInfo[]>;
  /** The answer holds the secret; the engine never shows it again. */
  createApiKey(request: CreateApiKeyRequest): Promise<CreatedApiKey>;
  /** Changes an active key's scope, limits, budget or expiry; the secret stays. */
  updateApiKey(name: string, changes: UpdateApiKeyRequest): Promise<ApiKeyInfo>;
  revokeApiKey(name: string): Promise<ApiKeyInfo>;
  usage(query?: UsageQuery): Promise<UsageReport>;
  /**
   * Calls a running api-endpoint's `endpointPath` (`/health`, `/v1/...`) through the engine's relay, so the page needs
   * no CORS entry on the endpoint. Resolves with the raw response (streams included); `init.headers` may carry the
   * endpoint's API key as `Authorization`.
   */
  fetchFromService(serviceId: string, endpointPath: string, init?: RequestInit): Promise<Response>;
  /** Folder entries for path completion, and a run output's files and previews. */
  previews: PreviewApi;
  /** The engine-wide event stream, reconnecting after drops; returns a stop function. */
  streamEvents(onMessage: (message: unknown) => void, onStatus: (status: StreamStatus, detail?: string) => void): () => void;
}

export function pathFor(route: string, params: Record<string, string> = {}): string {
  return route.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

/** `?a=1&b=2` from the parameters that are set, or '' when none is. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function createEngineClient(connection: EngineConnection, fetchImpl: typeof fetch = (...args) => fetch(...args)): EngineApi {
  const headers = { [TOKEN_HEADER]: connection.token };
  const url = (path: string) => `${connection.baseUrl}${path}`;

  async function call<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetchImpl(url(path), {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new EngineRequestError(`cannot reach the engine at ${connection.baseUrl || 'this page'}: ${(error as Error).message}`, 0, 'unreachable');
    }
    const payload = (await response.json().catch(() => null)) as unknown;
    if (!response.ok) {
      const error = (payload as ApiError | null)?.error;
      throw new EngineRequestError(error?.message ?? `${method} ${path} failed with ${response.status}`, response.status, error?.code ?? 'http_error', error?.problems);
    }
    return payload as T;
  }

  return {
    nodeTypes: () => call('GET', ROUTES.nodeTypes),
    validate: (request) => call('POST', ROUTES.validate, request),
    startRun: (request) => call('POST', ROUTES.runs, request),
    cancelRun: async (runId) => {
      await call('POST', pathFor(ROUTES.cancelRun, { runId }), {});
    },
    listRuns: (limit = 50) => call('GET', `${ROUTES.runs}${queryString({ limit })}`),
    getRun: (runId) => call('GET', pathFor(ROUTES.run, { runId })),
    runLogs: (runId) => call('GET', `${pathFor(ROUTES.runLogs, { runId })}?limit=10000`),
    artifacts: () => call('GET', ROUTES.artifacts),
    services: () => call('GET', ROUTES.services),
    stopService: (serviceId) => call('POST', pathFor(ROUTES.stopService, { serviceId }), {}),
    restartService: (serviceId) => call('POST', pathFor(ROUTES.restartService, { serviceId }), {}),
    listApiKeys: () => call('GET', ROUTES.apiKeys),
    createApiKey: (request) => call('POST', ROUTES.apiKeys, request),
    updateApiKey: (name, changes) => call('PATCH', pathFor(ROUTES.apiKey, { keyName: name }), changes),
    revokeApiKey: (name) => call('POST', pathFor(ROUTES.revokeApiKey, { keyName: name }), {}),
    usage: (query = {}) => call('GET', `${ROUTES.usage}${queryString({ key: query.key, since: query.since, until: query.until })}`),
    previews: createPreviewApi(call, pathFor, queryString),
    fetchFromService: (serviceId, endpointPath, init = {}) => fetchImpl(url(`${pathFor(ROUTES.serviceOpenAi, { serviceId })}${endpointPath}`), { ...init, headers: { ...headersOf(init), ...headers } }),
    streamEvents: (onMessage, onStatus) =>
      openReconnectingStream({
        open: (signal) => fetchImpl(url(ROUTES.events), { headers: { ...headers, accept: 'text/event-stream' }, signal }),
        onMessage,
        onStatus,
      }),
  };
}

function headersOf(init: RequestInit): Record<string, string> {
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  return headers;
}
