// Test fixtures for endpoint calls: OpenAI-style SSE bodies split into arbitrary chunks, and a fetch that records
// requests and answers from a script (a stream left open ends with an error when its request is aborted).

export function chatChunk(content: string, finishReason: string | null = null): string {
  return `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: finishReason }], usage: null })}\n\n`;
}

export function completionChunk(text: string, finishReason: string | null = null): string {
  return `data: ${JSON.stringify({ object: 'text_completion', choices: [{ index: 0, text, finish_reason: finishReason }], usage: null })}\n\n`;
}

export function usageChunk(promptTokens: number, completionTokens: number): string {
  return `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } })}\n\n`;
}

export const DONE = 'data: [DONE]\n\n';

/** A body that sends `chunks` and then closes, or stays open (until `signal` aborts) when `keepOpen`. */
export function sseBody(chunks: readonly string[], options: { keepOpen?: boolean; signal?: AbortSignal | null } = {}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (!options.keepOpen) return controller.close();
      options.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')), { once: true });
    },
  });
}

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

export type ScriptedAnswer = (request: RecordedRequest, signal: AbortSignal | null) => Response | Promise<Response>;

/** A fetch that records each request and answers with `answer`. */
export function scriptedFetch(answer: ScriptedAnswer): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
    const request: RecordedRequest = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    return answer(request, init?.signal ?? null);
  }) as typeof fetch;
  return { fetch: fetchImpl, requests };
}
