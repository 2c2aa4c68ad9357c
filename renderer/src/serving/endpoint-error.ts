// Errors from calling a served model's API from the studio, the endpoint's or the engine relay's, with their message
// and code (`invalid_api_key`, `context_length_exceeded`, `service_not_running`…) kept for the playground to show.

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
