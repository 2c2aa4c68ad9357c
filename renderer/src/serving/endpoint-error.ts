// Errors from calling a served model's OpenAI-compatible API from the studio, with the endpoint's own message and
// code (`invalid_api_key`, `context_length_exceeded`, …) kept so the playground can show them as they are.

export class EndpointError extends Error {
  override name = 'EndpointError';
  constructor(
    message: string,
    /** 0 when no HTTP answer came back. */
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
  }
}

interface OpenAiErrorBody {
  error?: { message?: unknown; code?: unknown; type?: unknown };
}

/** The error an endpoint answered with (`{error:{message,code}}`), or a generic one naming the status. */
export async function endpointErrorFrom(response: Response, what: string): Promise<EndpointError> {
  const body = (await response.json().catch(() => null)) as OpenAiErrorBody | null;
  const message = typeof body?.error?.message === 'string' ? body.error.message : `${what} failed with HTTP ${response.status}`;
  const code = typeof body?.error?.code === 'string' ? body.error.code : typeof body?.error?.type === 'string' ? body.error.type : null;
  return new EndpointError(message, response.status, code);
}

/**
 * A browser fetch that fails without an answer is either a stopped endpoint or a CORS refusal, which the page cannot
 * tell apart; the message names the fix for the second.
 */
export function unreachableMessage(url: string, pageOrigin: string | null, cause: string): string {
  const corsHint = pageOrigin
    ? ` If it is running, it may not allow this page's origin: add "${pageOrigin}" to the api-endpoint node's "cors" list and run it again.`
    : '';
  return `Cannot reach ${url} (${cause}).${corsHint}`;
}
