// Test support: small HTTP helpers for calling the OpenAI-compatible server without the SDK.
import type { CreateApiKeyRequest } from '../../../app/protocol/serving-api.ts';
import { createApiKeyRequestSchema } from '../../../app/protocol/serving-api.ts';
import type { ServingStore } from '../store/serving-store.ts';

export function createKey(store: ServingStore, request: CreateApiKeyRequest, now?: Date): string {
  return store.keys.create(createApiKeyRequestSchema.parse(request), now).key;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });
}

/**
 * Starts a stream and resolves once its first record arrived, so the request surely holds a batch slot. The
 * end-of-text token is banned so the stream lasts its whole max_tokens.
 */
export async function openStream(url: string, body: Record<string, unknown>, apiKey: string): Promise<{ response: Response; abort: () => void; rest: Promise<string> }> {
  const controller = new AbortController();
  const response = await postJson(url, { logit_bias: { '0': -100 }, ...body, stream: true }, { authorization: `Bearer ${apiKey}` }, controller.signal);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value ?? new Uint8Array());
  const rest = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text;
        text += decoder.decode(value);
      }
    } catch {
      return text;
    }
  })();
  return { response, abort: () => controller.abort(), rest };
}

/** `data:` payloads of an SSE body, parsed; "[DONE]" stays a string. */
export function sseRecords(body: string): unknown[] {
  return body
    .split('\n\n')
    .filter((record) => record.startsWith('data: '))
    .map((record) => record.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

export async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
