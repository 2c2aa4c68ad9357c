// Active health checks: GET /health beside the upstream's /v1 (Crucible, vLLM, llama.cpp's server answer it), or
// /v1/models where there is none (Ollama). A member that lists no models also learns them from /v1/models.
import type { UpstreamMember } from './upstream-member.ts';

export interface ProbeResult {
  ok: boolean;
  /** Why it failed. */
  reason: string | null;
  /**
   * A clear answer that it cannot serve: nothing listens there (refused, unreachable) or it answered unhealthy. A
   * timeout or a reset connection may be load or a stale keep-alive socket: those count as one failure.
   */
  downAtOnce: boolean;
}

/** Nothing listens there, or there is no route to it. */
const GONE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND']);

/** The network error code behind a failed fetch (undici wraps it in `cause`), or null. */
export function networkErrorCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

export function isGoneError(error: unknown): boolean {
  return GONE_CODES.has(networkErrorCode(error) ?? '');
}

export class HealthProbe {
  /** Members whose /health was a 404: probed through /v1/models from then on. */
  readonly #withoutHealthRoute = new WeakSet<UpstreamMember>();

  constructor(private readonly timeoutMs: number) {}

  async probe(member: UpstreamMember): Promise<ProbeResult> {
    try {
      if (!this.#withoutHealthRoute.has(member)) {
        const health = await this.#get(member, healthUrl(member.baseUrl));
        await health.body?.cancel();
        if (health.status === 404) this.#withoutHealthRoute.add(member);
        else if (health.status !== 200) return { ok: false, reason: `/health answered ${health.status}`, downAtOnce: true };
        else if (!member.discoversModels) return { ok: true, reason: null, downAtOnce: false };
      }
      const models = await this.#get(member, new URL(`${member.baseUrl.pathname}/models`, member.baseUrl));
      if (models.status !== 200) {
        await models.body?.cancel();
        return { ok: false, reason: `/v1/models answered ${models.status}`, downAtOnce: true };
      }
      member.learnModels(modelIdsOf(await models.json().catch(() => null)));
      return { ok: true, reason: null, downAtOnce: false };
    } catch (error) {
      const code = networkErrorCode(error);
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (code ?? (error as Error).message);
      return { ok: false, reason, downAtOnce: isGoneError(error) };
    }
  }

  #get(member: UpstreamMember, url: URL): Promise<Response> {
    const headers: Record<string, string> = member.authorization ? { authorization: member.authorization } : {};
    return fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
  }
}

/** `/health` at the level of the base URL's /v1: http://h:p/v1 → http://h:p/health, http://h:p/api/v1 → http://h:p/api/health. */
function healthUrl(baseUrl: URL): URL {
  return new URL(`${baseUrl.pathname.replace(/\/v1$/, '')}/health`, baseUrl);
}

function modelIdsOf(body: unknown): string[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return [];
  return data.map((entry) => (entry as { id?: unknown }).id).filter((id): id is string => typeof id === 'string' && id.length > 0 && id.length <= 256);
}
