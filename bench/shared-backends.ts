// `npm run bench:shared`: what sharing a gateway's state costs. The same endpoint (a bigram model, so the model's
// time is small and the backends' share shows) runs with the embedded default — SQLite store, windows in the process
// — as the reference, then with a PostgreSQL store and Redis limits (real servers on loopback, started here). Prints
// the backends' own operations (key check, admission + settle) and the served requests' latency and throughput, as
// medians over rounds and ratios against the reference. Needs initdb/pg_ctl and redis-server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApiKeyRequestSchema } from '../app/protocol/serving-api.ts';
import { Deployment } from '../engine/endpoint/deployment.ts';
import { openGatewayBackends, type GatewayBackends } from '../engine/endpoint/gateway-backends.ts';
import { createOpenAiServer } from '../engine/endpoint/openai-server.ts';
import { RateLimiter } from '../engine/endpoint/rate-limiter.ts';
import { BigramGenerator } from '../engine/endpoint/testing/bigram-generator.ts';
import { DEFAULT_SAMPLING, TRAINING_TEXT } from '../engine/endpoint/testing/serving-harness.ts';
import { startPostgres, startRedis } from '../engine/endpoint/testing/shared-servers.ts';
import { runClosedLoop, type LoadStats } from './serve-load.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, ops: { type: 'string', default: '2000' } } });
const ROUNDS = Number(values.rounds);
const DURATION_MS = Number(values.seconds) * 1000;
const OPS = Number(values.ops);
const BODY = { model: 'bard-mini', prompt: 'First Citizen:', max_tokens: 8 };

interface Row {
  backends: string;
  keyCheckUs: number;
  admitUs: number;
  c1: LoadStats;
  c16: LoadStats;
}

async function measure(label: string, backends: GatewayBackends): Promise<Row> {
  const { key } = await backends.store.keys.create(createApiKeyRequestSchema.parse({ name: `bench-${Date.now()}` }));
  // The backends alone, one operation at a time: a key check, and an admission settled at once.
  const limits = backends.limits ?? new RateLimiter();
  const keyCheckUs = await perOperationUs(() => backends.store.keys.check(key).then(() => undefined));
  const keyLimits = { rpm: 1_000_000_000, tpm: 0, concurrency: 1_000 };
  const admitUs = await perOperationUs(async () => {
    const verdict = await limits.acquire('bench', 'bench', keyLimits, 10);
    if (verdict.ok) verdict.grant.settle(10);
  });
  const deployment = new Deployment({ generator: new BigramGenerator({ modelId: 'bard-mini', trainingText: TRAINING_TEXT, contextLength: 128 }), maxBatchSize: 16, maxQueue: 64, defaults: DEFAULT_SAMPLING });
  const server = createOpenAiServer({ config: { port: 0, rateLimit: { rpm: 1_000_000_000, tpm: 0, concurrency: 1_000 } }, deployments: [deployment], store: backends.store, ...(backends.limits ? { limits: backends.limits } : {}), onWarning: () => undefined });
  const { url } = await server.listen();
  try {
    await runClosedLoop(url, key, 4, 500, BODY); // warm-up
    const c1 = await runClosedLoop(url, key, 1, DURATION_MS, BODY);
    const c16 = await runClosedLoop(url, key, 16, DURATION_MS, BODY);
    return { backends: label, keyCheckUs, admitUs, c1, c16 };
  } finally {
    await server.close();
  }
}

async function perOperationUs(operation: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 100; i++) await operation();
  const started = performance.now();
  for (let i = 0; i < OPS; i++) await operation();
  return ((performance.now() - started) / OPS) * 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-bench-shared-'));
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const rows: Row[] = [];
  try {
    const storeUrl = await postgres.newDatabase();
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so neither setup always runs on a warmer machine.
      const setups = [
        { label: 'SQLite + in-process', store: null, limits: null },
        { label: 'PostgreSQL + Redis', store: storeUrl, limits: redis.url },
      ];
      for (const setup of round % 2 === 0 ? setups : setups.reverse()) {
        const backends = await openGatewayBackends({ store: setup.store, limits: setup.limits, dataDir });
        try {
          rows.push(await measure(setup.label, backends));
        } finally {
          await backends.close();
        }
      }
    }
  } finally {
    await redis.stop();
    await postgres.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  print(rows);
}

function print(rows: Row[]): void {
  const labels = [...new Set(rows.map((row) => row.backends))];
  const of = (label: string, pick: (row: Row) => number) => median(rows.filter((row) => row.backends === label).map(pick));
  const reference = labels[0]!;
  const columns: [string, (row: Row) => number, number][] = [
    ['key check µs', (row) => row.keyCheckUs, 0],
    ['admit+settle µs', (row) => row.admitUs, 0],
    ['c=1 p50 ms', (row) => row.c1.latencyP50Ms, 2],
    ['c=1 req/s', (row) => row.c1.requests / (DURATION_MS / 1000), 1],
    ['c=16 p50 ms', (row) => row.c16.latencyP50Ms, 2],
    ['c=16 p99 ms', (row) => row.c16.latencyP99Ms, 2],
    ['c=16 req/s', (row) => row.c16.requests / (DURATION_MS / 1000), 1],
  ];
  console.log(`\nShared backends, medians of ${ROUNDS} rounds (${DURATION_MS / 1000} s per load, ${OPS} operations each); load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  console.log(`| backends | ${columns.map(([name]) => name).join(' | ')} |`);
  console.log(`|---|${columns.map(() => '---:').join('|')}|`);
  for (const label of labels) {
    const cells = columns.map(([, pick, digits]) => {
      const value = of(label, pick);
      const ratio = value / of(reference, pick);
      return label === reference ? value.toFixed(digits) : `${value.toFixed(digits)} (${ratio.toFixed(2)}×)`;
    });
    console.log(`| ${label} | ${cells.join(' | ')} |`);
  }
  const failed = rows.reduce((sum, row) => sum + row.c1.failed + row.c16.failed, 0);
  console.log(`failed requests: ${failed}`);
}

await main();
