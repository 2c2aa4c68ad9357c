// Load driver for `npm run bench:fleet`: streamed /v1/completions through the gateway, recording for each request
// which member served it (x-crucible-upstream), when it started and ended, its time to first token, and how it
// ended: [DONE], an error record mid-stream, an HTTP error, or a broken connection.
import { performance } from 'node:perf_hooks';

export type Outcome = 'ok' | 'error_record' | 'http_error' | 'network';

export interface FleetRequest {
  startedMs: number;
  endedMs: number;
  member: string | null;
  status: number;
  outcome: Outcome;
  errorCode: string | null;
  errorMessage: string | null;
  ttftMs: number;
  tokens: number;
}

export async function streamThroughGateway(baseUrl: string, body: Record<string, unknown>): Promise<FleetRequest> {
  const startedMs = performance.now();
  const result: FleetRequest = { startedMs, endedMs: startedMs, member: null, status: 0, outcome: 'network', errorCode: null, errorMessage: null, ttftMs: NaN, tokens: 0 };
  try {
    const response = await fetch(`${baseUrl}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, stream: true }) });
    result.status = response.status;
    result.member = response.headers.get('x-crucible-upstream');
    if (!response.ok || !response.body) {
      const error = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
      result.outcome = 'http_error';
      result.errorCode = error?.error?.code ?? null;
      result.errorMessage = error?.error?.message ?? null;
      return result;
    }
    await readStream(response.body, result);
  } catch (error) {
    result.outcome = 'network';
    result.errorMessage = (error as Error).message;
  } finally {
    result.endedMs = performance.now();
  }
  return result;
}

async function readStream(body: ReadableStream<Uint8Array>, result: FleetRequest): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffered += decoder.decode(read.value, { stream: true });
    const records = buffered.split('\n\n');
    buffered = records.pop() ?? '';
    for (const record of records) {
      if (record === 'data: [DONE]') {
        result.outcome = 'ok';
        continue;
      }
      if (!record.startsWith('data: {')) continue;
      const chunk = JSON.parse(record.slice(6)) as { choices?: { text?: string }[]; error?: { code?: string; message?: string } };
      if (chunk.error) {
        result.outcome = 'error_record';
        result.errorCode = chunk.error.code ?? null;
        result.errorMessage = chunk.error.message ?? null;
      } else if (chunk.choices?.[0]?.text) {
        if (Number.isNaN(result.ttftMs)) result.ttftMs = performance.now() - result.startedMs;
        result.tokens++;
      }
    }
  }
  // A stream that stopped with neither [DONE] nor an error record broke off.
  if (result.outcome === 'network') result.errorMessage = 'the stream ended without [DONE] or an error record';
}

/** `streams` clients each send requests back to back while `keepGoing()` says so; requests in flight finish. */
export async function closedLoop(baseUrl: string, streams: number, keepGoing: () => boolean, body: Record<string, unknown>, results: FleetRequest[] = []): Promise<FleetRequest[]> {
  const client = async (index: number) => {
    for (let round = 0; keepGoing(); round++) {
      results.push(await streamThroughGateway(baseUrl, { ...body, seed: index * 100_000 + round }));
    }
  };
  await Promise.all(Array.from({ length: streams }, (_, index) => client(index)));
  return results;
}

/** keepGoing for `durationMs` from now. */
export function forMs(durationMs: number): () => boolean {
  const started = performance.now();
  return () => performance.now() - started < durationMs;
}
