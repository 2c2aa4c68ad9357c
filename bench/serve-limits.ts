// The "over the limit" part of `npm run bench:serve`: one API key driven at 10× its requests-per-minute limit while
// an in-limit key keeps a closed loop going; counts the noisy key's answers and the in-limit key's latency alone and beside it.
// The noisy key spends its minute's allowance first, so the measured window is the steady state of a key at 10×:
// every one of its requests is refused, and the question is whether refusing them costs the in-limit key anything.
import { createApiKeyRequestSchema } from '../app/protocol/serving-api.ts';
import type { Deployment } from '../engine/endpoint/deployment.ts';
import { createOpenAiServer } from '../engine/endpoint/openai-server.ts';
import { ServingStore } from '../engine/endpoint/store/serving-store.ts';
import { runClosedLoop, streamCompletion, type LoadStats, type StreamResult } from './serve-load.ts';

/** How many times its rpm limit the noisy key sends. */
export const OVERDRIVE_FACTOR = 10;
/** The noisy key's requests are short: what matters is how its refused requests weigh on the others. */
const NOISY_MAX_TOKENS = 4;

export interface OverLimitOptions {
  deployment: Deployment;
  /** Where the endpoint's keys and usage log live for the bench (a temporary folder). */
  dataDir: string;
  /** The in-limit key's streamed completion request. */
  body: Record<string, unknown>;
  durationMs: number;
  noisyRpm: number;
  inLimitConcurrency: number;
}

export interface OverLimitReport {
  noisyRpm: number;
  durationMs: number;
  /** The noisy key's allowance, spent before the measured window (all should be 200). */
  allowance: { sent: number; ok: number; rateLimited: number; other: number };
  /** The noisy key during the measured window. */
  noisy: { sent: number; ok: number; rateLimited: number; other: number };
  inLimitAlone: LoadStats;
  inLimitBesideNoisy: LoadStats;
}

export async function runOverLimit(options: OverLimitOptions): Promise<OverLimitReport> {
  const { deployment, dataDir, body, durationMs, noisyRpm, inLimitConcurrency } = options;
  const store = ServingStore.open({ dataDir });
  const server = createOpenAiServer({ config: { port: 0, auth: 'keys' }, deployments: [deployment], store, onWarning: () => undefined });
  const { url } = await server.listen();
  try {
    const noisyKey = (await store.keys.create(createApiKeyRequestSchema.parse({ name: 'noisy', rpm: noisyRpm }))).key;
    const inLimitKey = (await store.keys.create(createApiKeyRequestSchema.parse({ name: 'in-limit', rpm: 1_000_000 }))).key;
    await streamCompletion(url, body, inLimitKey); // warms the key check, rate limiter and usage log
    const inLimitAlone = await runClosedLoop(url, inLimitKey, inLimitConcurrency, durationMs, body);
    const noisyBody = { ...body, max_tokens: NOISY_MAX_TOKENS };
    const allowance = countStatuses(await spendAllowance(url, noisyKey, noisyRpm, noisyBody));
    const [inLimitBesideNoisy, noisyResults] = await Promise.all([
      runClosedLoop(url, inLimitKey, inLimitConcurrency, durationMs, body),
      sendAtRate(url, noisyKey, noisyRpm * OVERDRIVE_FACTOR, durationMs, noisyBody),
    ]);
    return { noisyRpm, durationMs, allowance, noisy: countStatuses(noisyResults), inLimitAlone, inLimitBesideNoisy };
  } finally {
    await server.close();
    await store.close();
  }
}

/** The key's whole per-minute allowance, a few requests at a time so the deployment's queue never overflows. */
async function spendAllowance(url: string, apiKey: string, requests: number, body: Record<string, unknown>): Promise<StreamResult[]> {
  const results: StreamResult[] = [];
  for (let start = 0; start < requests; start += 4) {
    const batch = Array.from({ length: Math.min(4, requests - start) }, (_, offset) => streamCompletion(url, { ...body, seed: 1_000_000 + start + offset }, apiKey));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

/** Open loop: a request every 60 s / perMinute, whether or not the earlier ones have been answered. */
async function sendAtRate(url: string, apiKey: string, perMinute: number, durationMs: number, body: Record<string, unknown>): Promise<StreamResult[]> {
  const intervalMs = 60_000 / perMinute;
  const started = performance.now();
  const sent: Promise<StreamResult>[] = [];
  for (let index = 0; index * intervalMs < durationMs; index++) {
    const waitMs = started + index * intervalMs - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    sent.push(streamCompletion(url, { ...body, seed: index }, apiKey));
  }
  return Promise.all(sent);
}

function countStatuses(results: StreamResult[]): OverLimitReport['noisy'] {
  const ok = results.filter((result) => result.status === 200).length;
  const rateLimited = results.filter((result) => result.status === 429).length;
  return { sent: results.length, ok, rateLimited, other: results.length - ok - rateLimited };
}

export function printOverLimit(shape: string, report: OverLimitReport): void {
  const { allowance, noisy, inLimitAlone: alone, inLimitBesideNoisy: beside } = report;
  const seconds = report.durationMs / 1000;
  console.log(`\n### over the limit (${shape}, ${seconds} s): a key with rpm ${report.noisyRpm} sent ${report.noisyRpm * OVERDRIVE_FACTOR} requests/min (${NOISY_MAX_TOKENS} tokens each) beside an in-limit key with ${alone.concurrency} closed-loop streams\n`);
  console.log('| noisy key | sent | 200 | 429 | other statuses |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| its minute's allowance, spent first | ${allowance.sent} | ${allowance.ok} | ${allowance.rateLimited} | ${allowance.other} |`);
  console.log(`| at 10× during the measured window | ${noisy.sent} | ${noisy.ok} | ${noisy.rateLimited} | ${noisy.other} |`);
  console.log('\n| in-limit key | requests | failed | tok/s | TTFT p50 ms | TTFT p99 ms | latency p50 ms | latency p99 ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [label, stats] of [['alone', alone], ['beside the noisy key', beside]] as const) {
    const cells = [stats.requests, stats.failed, stats.tokensPerSecond.toFixed(1), stats.ttftP50Ms.toFixed(1), stats.ttftP99Ms.toFixed(1), stats.latencyP50Ms.toFixed(1), stats.latencyP99Ms.toFixed(1)];
    console.log(`| ${label} | ${cells.join(' | ')} |`);
  }
}
