// The autoscaling section of `npm run bench:fleet` (also runs alone: `node --import tsx bench/fleet-autoscale.ts`):
// a deployment with minReplicas 1 and maxReplicas 3 behind the real OpenAI-compatible server on 127.0.0.1 sees 2
// closed-loop streams, then a step to 20. Reported: when each replica was added and ready, TTFT p50/p99 before the
// step, while scaling, and once every replica serves, the 503s and whether each came while every ready replica was
// full (checked at the moment of refusal), and how long the return to one replica took once the load stopped. For
// reference, the same 20 streams against a fixed single replica, in the same run.
//
// Flags: --before-seconds N (2 streams, default 10), --step-seconds N (20 streams: at least this long, and until all
// three replicas have served for half of it, at most three times it; default 40), --idle-seconds N
// (scaleDownAfterSeconds, default 10), --reference-seconds N (0 skips the fixed-replica row; default 20),
// --max-tokens N (default 64), --max-batch N (per replica, default 8), --max-queue N (default 4).
// nano shape (4/4/128), random weights, char tokenizer of tinyshakespeare; client and server share the process.

import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createServingCapability, type LiveDeployment } from '../engine/capabilities/serving-capability.ts';
import { createOpenAiServer } from '../engine/endpoint/openai-server.ts';
import { OpenAiError } from '../engine/endpoint/openai-error.ts';
import { deployConfig } from '../nodes/deploy/spec.ts';
import { NANO_SHAPE, writeCharModel } from './char-model.ts';
import { percentile, streamCompletion, type StreamResult } from './serve-load.ts';

const PROMPT = 'ROMEO:\nBut soft, what light';
/** The deployment's retry-after on an overloaded 503 (engine/endpoint/deployment.ts's default); clients wait it out. */
const RETRY_AFTER_MS = 1_000;
const LOW_STREAMS = 2;
const HIGH_STREAMS = 20;
const MAX_REPLICAS = 3;

export interface FleetAutoscaleOptions {
  beforeSeconds: number;
  stepSeconds: number;
  idleSeconds: number;
  referenceSeconds: number;
  maxTokens: number;
  maxBatch: number;
  maxQueue: number;
}

interface TimedResult extends StreamResult {
  /** ms after the step to 20 streams when the request was sent (negative: before it). */
  sentMs: number;
}

interface Refusal {
  running: number;
  queued: number;
  /** Batch slots of the replicas ready at that moment. */
  slots: number;
}

export interface PhaseRow {
  phase: string;
  streams: number;
  replicas: string;
  requests: number;
  refused: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
  tokensPerSecond: number;
}

export interface FleetAutoscaleReport {
  options: FleetAutoscaleOptions;
  /** ms after the step when each scale-up was decided and when that replica was ready to serve. */
  scaleUps: { decidedMs: number; readyMs: number | null; reason: string }[];
  rows: PhaseRow[];
  refusals: Refusal[];
  /** ms from the end of the load until one replica was left (null: not within the wait). */
  backToOneMs: number | null;
  scaleDowns: number;
  loadAverage: number[];
}

export function flagsFromArgs(args: string[] = process.argv.slice(2)): FleetAutoscaleOptions {
  const { values } = parseArgs({
    args,
    strict: false,
    options: {
      'before-seconds': { type: 'string' },
      'step-seconds': { type: 'string' },
      'idle-seconds': { type: 'string' },
      'reference-seconds': { type: 'string' },
      'max-tokens': { type: 'string' },
      'max-batch': { type: 'string' },
      'max-queue': { type: 'string' },
    },
  });
  const number = (name: string, fallback: number) => {
    const value = values[name];
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`bench:fleet autoscale: --${name} must be a number ≥ 0, got "${String(value)}"`);
    return parsed;
  };
  return {
    beforeSeconds: number('before-seconds', 10),
    stepSeconds: number('step-seconds', 40),
    idleSeconds: number('idle-seconds', 10),
    referenceSeconds: number('reference-seconds', 20),
    maxTokens: number('max-tokens', 64),
    maxBatch: number('max-batch', 8),
    maxQueue: number('max-queue', 4),
  };
}

async function startDeployment(folder: string, options: FleetAutoscaleOptions, range: { minReplicas: number; maxReplicas: number }, log: (line: string) => void) {
  const serving = createServingCapability();
  const autoscale = { scaleUpQueue: 1, scaleUpTtftMs: 2_000, scaleUpAfterSeconds: 2, scaleDownAfterSeconds: options.idleSeconds };
  const config = deployConfig.parse({ name: 'fleet', device: 'cpu', threads: 1, maxBatchSize: options.maxBatch, maxQueue: options.maxQueue, replicas: 1, ...range, autoscale });
  const deployed = await serving.deploy({ config, modelDir: folder, precision: 'float32', log });
  const live = serving.deployments.get(deployed.deploymentId)!;
  await live.generator.whenReady();
  const server = createOpenAiServer({ config: { port: 0, auth: 'none' }, deployments: [live.deployment], store: null, onWarning: () => undefined });
  const { url } = await server.listen();
  return {
    live,
    url,
    stop: async () => {
      await server.close();
      await deployed.service.stop();
    },
  };
}

/** Records, at the moment of each 503 for a full queue, how many requests ran against how many ready slots. */
function recordRefusals(live: LiveDeployment, maxBatch: number): Refusal[] {
  const refusals: Refusal[] = [];
  const { deployment, generator } = live;
  const acquire = deployment.acquireSlot.bind(deployment);
  deployment.acquireSlot = (signal) => {
    const seen = { running: deployment.running, queued: deployment.queued, slots: maxBatch * generator.replicaCounts().ready };
    return acquire(signal).catch((error: unknown) => {
      if (error instanceof OpenAiError && error.code === 'overloaded') refusals.push(seen);
      throw error;
    });
  };
  return refusals;
}

/** `streams` closed-loop clients while `going()`; a 503 waits out its retry-after. */
async function drive(url: string, body: Record<string, unknown>, streams: number, going: () => boolean, stepAtMs: number, results: TimedResult[]): Promise<void> {
  const client = async (index: number) => {
    for (let round = 0; going(); round++) {
      const sentMs = performance.now() - stepAtMs;
      const result = await streamCompletion(url, { ...body, seed: index * 100_000 + round }, 'none');
      results.push({ ...result, sentMs });
      if (result.status === 503) await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_MS));
    }
  };
  await Promise.all(Array.from({ length: streams }, (_, index) => client(index)));
}

function row(phase: string, streams: number, replicas: string, results: TimedResult[], seconds: number): PhaseRow {
  const served = results.filter((result) => result.ok);
  const ttfts = served.map((result) => result.ttftMs).filter((value) => !Number.isNaN(value));
  const tokens = served.reduce((sum, result) => sum + result.completionTokens, 0);
  return { phase, streams, replicas, requests: results.length, refused: results.filter((result) => result.status === 503).length, ttftP50Ms: percentile(ttfts, 0.5), ttftP99Ms: percentile(ttfts, 0.99), tokensPerSecond: tokens / seconds };
}

/** Watches the replicas every 50 ms: when each one beyond the first became ready, in ms after the step. */
function watchReady(live: LiveDeployment, stepAt: () => number): { readyAtMs: (number | null)[]; stop: () => void } {
  const readyAtMs: (number | null)[] = Array(MAX_REPLICAS + 1).fill(null);
  const timer = setInterval(() => {
    const { ready } = live.generator.replicaCounts();
    for (let count = 2; count <= ready; count++) readyAtMs[count] ??= performance.now() - stepAt();
  }, 50);
  return { readyAtMs, stop: () => clearInterval(timer) };
}

export async function runFleetAutoscale(options: FleetAutoscaleOptions): Promise<FleetAutoscaleReport> {
  const root = mkdtempSync(path.join(tmpdir(), 'crucible-bench-fleet-autoscale-'));
  const log = (line: string) => console.error(line);
  try {
    const { folder, eosId } = writeCharModel(path.join(root, 'nano'), { shape: NANO_SHAPE, bench: 'fleet-autoscale' });
    const body = { model: 'fleet', prompt: PROMPT, max_tokens: options.maxTokens, temperature: 0.8, logit_bias: { [eosId]: -100 } };
    const rows: PhaseRow[] = [];

    const scaled = await startDeployment(folder, options, { minReplicas: 1, maxReplicas: MAX_REPLICAS }, log);
    const refusals = recordRefusals(scaled.live, options.maxBatch);
    let stepAtMs = Number.POSITIVE_INFINITY;
    const watch = watchReady(scaled.live, () => stepAtMs);
    const wallAtStep = { ms: 0 };
    let backToOneMs: number | null = null;
    let scaleUps: FleetAutoscaleReport['scaleUps'] = [];
    const beforeResults: TimedResult[] = [];
    const stepResults: TimedResult[] = [];
    try {
      await streamCompletion(scaled.url, body, 'none'); // warm-up
      const beforeStart = performance.now();
      const beforeEnd = beforeStart + options.beforeSeconds * 1000;
      await drive(scaled.url, body, LOW_STREAMS, () => performance.now() < beforeEnd, beforeEnd, beforeResults);
      stepAtMs = performance.now();
      wallAtStep.ms = Date.now();
      // At least stepSeconds, and until every replica has served for half of it (replicas load slowly on a busy box),
      // but never past three times stepSeconds.
      const stepGoing = () => {
        const elapsedMs = performance.now() - stepAtMs;
        const allReadyMs = watch.readyAtMs[MAX_REPLICAS] ?? null;
        const servedLongEnough = allReadyMs !== null && elapsedMs >= allReadyMs + (options.stepSeconds * 1000) / 2;
        return elapsedMs < options.stepSeconds * 1000 || (!servedLongEnough && elapsedMs < options.stepSeconds * 3000);
      };
      await drive(scaled.url, body, HIGH_STREAMS, stepGoing, stepAtMs, stepResults);
      const loadEnd = performance.now();
      const stepSeconds = (loadEnd - stepAtMs) / 1000;
      const deadline = loadEnd + (options.idleSeconds * 2 + 30) * 1000;
      while (performance.now() < deadline) {
        const counts = scaled.live.generator.replicaCounts();
        if (counts.ready + counts.loading === 1 && counts.draining === 0) {
          backToOneMs = performance.now() - loadEnd;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const snapshot = scaled.live.autoscaler.snapshot();
      scaleUps = snapshot.events
        .filter((event) => event.direction === 'up')
        .map((event) => ({ decidedMs: Date.parse(event.at) - wallAtStep.ms, readyMs: watch.readyAtMs[event.to] ?? null, reason: event.reason }));
      const allReadyMs = watch.readyAtMs[MAX_REPLICAS] ?? null;
      rows.push(row('before the step', LOW_STREAMS, '1', beforeResults, options.beforeSeconds));
      if (allReadyMs !== null) {
        const ramp = stepResults.filter((result) => result.sentMs < allReadyMs);
        const after = stepResults.filter((result) => result.sentMs >= allReadyMs);
        rows.push(row('step, until 3 replicas serve', HIGH_STREAMS, '1→3', ramp, allReadyMs / 1000));
        rows.push(row('step, 3 replicas serving', HIGH_STREAMS, '3', after, stepSeconds - allReadyMs / 1000));
      } else {
        rows.push(row('step (never reached 3 replicas)', HIGH_STREAMS, `≤${MAX_REPLICAS}`, stepResults, stepSeconds));
      }
      return await finish();
    } finally {
      watch.stop();
      await scaled.stop();
    }

    async function finish(): Promise<FleetAutoscaleReport> {
      if (options.referenceSeconds > 0) {
        const fixed = await startDeployment(folder, options, { minReplicas: 1, maxReplicas: 1 }, log);
        try {
          const results: TimedResult[] = [];
          const start = performance.now();
          await drive(fixed.url, body, HIGH_STREAMS, () => performance.now() < start + options.referenceSeconds * 1000, start, results);
          rows.push(row('reference: fixed 1 replica', HIGH_STREAMS, '1', results, (performance.now() - start) / 1000));
        } finally {
          await fixed.stop();
        }
      }
      return { options, scaleUps, rows, refusals, backToOneMs, scaleDowns: scaled.live.autoscaler.snapshot().scaleDowns, loadAverage: os.loadavg() };
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function printFleetAutoscale(report: FleetAutoscaleReport): void {
  const { options } = report;
  console.log(`\n## Autoscaling: ${LOW_STREAMS} → ${HIGH_STREAMS} streams, minReplicas 1, maxReplicas ${MAX_REPLICAS}`);
  console.log(`nano 4/4/128, ${options.maxTokens}-token streamed completions, maxBatchSize ${options.maxBatch} per replica, maxQueue ${options.maxQueue}, scale up after 2 s of a queue, down after ${options.idleSeconds} s quiet; load average ${report.loadAverage.map((value) => value.toFixed(1)).join(' / ')}\n`);
  console.log('| scale-up | decided at (s after the step) | replica ready at (s) | reason |');
  console.log('|---|---:|---:|---|');
  report.scaleUps.forEach((event, index) => {
    console.log(`| ${index + 1} → ${index + 2} | ${(event.decidedMs / 1000).toFixed(1)} | ${event.readyMs === null ? '—' : (event.readyMs / 1000).toFixed(1)} | ${event.reason} |`);
  });
  console.log('\n| phase | streams | replicas | requests | 503 | TTFT p50 ms | TTFT p99 ms | tok/s |');
  console.log('|---|---:|---|---:|---:|---:|---:|---:|');
  for (const phase of report.rows) {
    console.log(`| ${phase.phase} | ${phase.streams} | ${phase.replicas} | ${phase.requests} | ${phase.refused} | ${phase.ttftP50Ms.toFixed(1)} | ${phase.ttftP99Ms.toFixed(1)} | ${phase.tokensPerSecond.toFixed(0)} |`);
  }
  const withRoom = report.refusals.filter((refusal) => refusal.running < refusal.slots).length;
  console.log(`\n503s on the autoscaled deployment: ${report.refusals.length}, of which ${withRoom} came while a ready replica had a free slot (each refusal saw running vs. the ready replicas' slots, queue full).`);
  console.log(`Back to 1 replica ${report.backToOneMs === null ? 'not within the wait' : `${(report.backToOneMs / 1000).toFixed(1)} s after the load stopped`} (${report.scaleDowns} drains).`);
}

/** What bench/fleet.ts calls: this section with the default flags (and any given on the command line). */
export async function runAutoscaleSection(): Promise<void> {
  printFleetAutoscale(await runFleetAutoscale(flagsFromArgs()));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runAutoscaleSection();
