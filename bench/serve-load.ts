// Load driver for `npm run bench:serve`: streamed /v1/completions over loopback, timing time-to-first-token and
// counting generated tokens from the final usage chunk; closed-loop clients for a fixed time per concurrency.

export interface StreamResult {
  ok: boolean;
  status: number;
  ttftMs: number;
  totalMs: number;
  completionTokens: number;
}

export interface LoadStats {
  concurrency: number;
  requests: number;
  failed: number;
  tokensPerSecond: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
  /** End to end, request sent to stream end, of the successful requests. */
  latencyP50Ms: number;
  latencyP99Ms: number;
}

export async function streamCompletion(baseUrl: string, body: Record<string, unknown>, apiKey: string): Promise<StreamResult> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
  });
  if (!response.ok || !response.body) {
    await response.text();
    return { ok: false, status: response.status, ttftMs: NaN, totalMs: performance.now() - started, completionTokens: 0 };
  }
  let ttftMs = NaN;
  let completionTokens = 0;
  let buffered = '';
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffered += decoder.decode(read.value, { stream: true });
    const records = buffered.split('\n\n');
    buffered = records.pop() ?? '';
    for (const record of records) {
      if (!record.startsWith('data: {')) continue;
      const chunk = JSON.parse(record.slice(6)) as { choices: { text?: string }[]; usage?: { completion_tokens: number } | null };
      if (Number.isNaN(ttftMs) && chunk.choices[0]?.text) ttftMs = performance.now() - started;
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
  }
  return { ok: true, status: response.status, ttftMs, totalMs: performance.now() - started, completionTokens };
}

/** `concurrency` clients each send requests back to back until `durationMs` has passed; requests in flight finish. */
export async function runClosedLoop(baseUrl: string, apiKey: string, concurrency: number, durationMs: number, body: Record<string, unknown>): Promise<LoadStats> {
  const results: StreamResult[] = [];
  const started = performance.now();
  const client = async (index: number) => {
    for (let round = 0; performance.now() - started < durationMs; round++) {
      results.push(await streamCompletion(baseUrl, { ...body, seed: index * 100_000 + round }, apiKey));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => client(index)));
  return summarizeLoad(results, concurrency, (performance.now() - started) / 1000);
}

export function summarizeLoad(results: StreamResult[], concurrency: number, elapsedSeconds: number): LoadStats {
  const succeeded = results.filter((result) => result.ok);
  const ttfts = succeeded.map((result) => result.ttftMs).filter((value) => !Number.isNaN(value));
  const latencies = succeeded.map((result) => result.totalMs);
  return {
    concurrency,
    requests: results.length,
    failed: results.length - succeeded.length,
    tokensPerSecond: succeeded.reduce((sum, result) => sum + result.completionTokens, 0) / elapsedSeconds,
    ttftP50Ms: percentile(ttfts, 0.5),
    ttftP99Ms: percentile(ttfts, 0.99),
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
  };
}

export function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}
