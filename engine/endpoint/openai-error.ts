// Errors the OpenAI-compatible server answers with: `{ error: { message, type, param, code } }`, OpenAI's status
// codes, and the retry headers the official client reads (retry-after, retry-after-ms, x-should-retry).

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAiErrorOptions {
  type?: string;
  param?: string | null;
  /** Sets retry-after (whole seconds, rounded up) and retry-after-ms. */
  retryAfterMs?: number;
  /** false adds `x-should-retry: false`, so clients do not retry what cannot succeed. */
  shouldRetry?: boolean;
  headers?: Record<string, string>;
  /**
   * The code the body shows, when it is not `code` (which logs and metrics keep): an upstream's own error code,
   * null included, passed on as it came.
   */
  shownCode?: string | null;
}

export class OpenAiError extends Error {
  readonly type: string;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  readonly #shownCode: string | null;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: OpenAiErrorOptions = {},
  ) {
    super(message);
    this.type = options.type ?? defaultTypeFor(status);
    this.param = options.param ?? null;
    this.#shownCode = options.shownCode === undefined ? code : options.shownCode;
    this.headers = { ...options.headers };
    if (options.retryAfterMs !== undefined) {
      const retryAfterMs = Math.max(1, Math.ceil(options.retryAfterMs));
      this.headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
      this.headers['retry-after-ms'] = String(retryAfterMs);
    }
    if (options.shouldRetry === false) this.headers['x-should-retry'] = 'false';
  }

  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.#shownCode } };
  }
}

function defaultTypeFor(status: number): string {
  if (status >= 500) return 'server_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  return 'invalid_request_error';
}

export function invalidRequest(message: string, param: string | null = null, code = 'invalid_request_error'): OpenAiError {
  return new OpenAiError(400, code, message, { param, type: 'invalid_request_error' });
}

export function modelNotFound(model: string): OpenAiError {
  return new OpenAiError(404, 'model_not_found', `The model \`${model}\` does not exist or you do not have access to it.`, {
    param: 'model',
    type: 'invalid_request_error',
  });
}

export function serverClosing(): OpenAiError {
  return new OpenAiError(503, 'server_closing', 'The server is shutting down. Retry against a running server.', { retryAfterMs: 1_000 });
}
