// Autoscaling with real inference workers (a tiny model): a deployment grows under a queue up to maxReplicas and
// shrinks back after idle, with every decision logged and in /metrics; a loading replica takes no requests; a drained
// replica finishes what it runs before it stops; a full deployment refuses with a 503 and retry-after.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { ServiceHandle } from '../../app/nodes/run-contract.ts';
import { deployConfig } from '../../nodes/deploy/spec.ts';
import { OpenAiError } from '../endpoint/openai-error.ts';
import { createOpenAiServer } from '../endpoint/openai-server.ts';
import { ServingMetrics } from '../endpoint/serving-metrics.ts';
import { generationRequest } from '../inference/testing/generation-request.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../inference/testing/tiny-model-folder.ts';
import type { GenerationEvent } from '../inference/text-generator.ts';
import { createServingCapability, type LiveDeployment } from './serving-capability.ts';

let fixture: TinyModelFolder;
const running: ServiceHandle[] = [];

beforeAll(() => {
  fixture = writeTinyModelFolder();
});
afterAll(async () => {
  await Promise.all(running.map((service) => service.stop()));
  fixture.remove();
});

async function deploy(config: z.input<typeof deployConfig>, modelDir = fixture.folder) {
  const serving = createServingCapability();
  const lines: string[] = [];
  const defaults = { temperature: 0.8, topP: 1, topK: 200, maxTokens: 8 };
  const started = await serving.deploy({ config: deployConfig.parse({ name: 'auto', device: 'cpu', defaults, ...config }), modelDir, precision: 'float32', log: (line) => lines.push(line) });
  running.push(started.service);
  const live = serving.deployments.get(started.deploymentId)!;
  await live.generator.whenReady();
  return { live, lines, service: started.service };
}

/** One request as the API server runs it: readiness, a batch slot from the admission queue, the generation. */
async function oneRequest(live: LiveDeployment, maxTokens: number): Promise<{ outcome: 'ok'; tokens: number } | { outcome: 'refused'; error: OpenAiError }> {
  const controller = new AbortController();
  let release: () => void;
  try {
    live.deployment.checkReady();
    release = await live.deployment.acquireSlot(controller.signal);
  } catch (error) {
    if (error instanceof OpenAiError) return { outcome: 'refused', error };
    throw error;
  }
  try {
    const events: GenerationEvent[] = [];
    const eos = live.generator.tokenize('<|endoftext|>')[0]!;
    for await (const event of live.generator.generate(generationRequest({ promptTokens: live.generator.tokenize('First Citizen'), maxTokens, temperature: 1, seed: 1, logitBias: new Map([[eos, -100]]) }), controller.signal)) events.push(event);
    return { outcome: 'ok', tokens: events.filter((event) => event.type === 'token').length };
  } finally {
    release();
  }
}

const until = async (condition: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('a deployment with minReplicas 1 and maxReplicas 3', () => {
  it('adds replicas while requests queue, routes only to loaded ones, and drains back to one after idle', async () => {
    const autoscale = { scaleUpQueue: 1, scaleUpTtftMs: 600_000, scaleUpAfterSeconds: 0.3, scaleDownAfterSeconds: 1 };
    const { live, lines } = await deploy({ maxBatchSize: 2, maxQueue: 100, minReplicas: 1, maxReplicas: 3, autoscale });
    const metrics = new ServingMetrics(() => [{ model: 'auto', queued: live.deployment.queued, running: live.deployment.running, scaling: live.deployment.scaling?.() }]);

    // Sampled through the run: a replica still loading has no request while another is ready, and no more
    // requests run than the ready replicas' batches hold.
    const violations: string[] = [];
    let mostReplicas = 0;
    const sampler = setInterval(() => {
      const counts = live.generator.replicaCounts();
      mostReplicas = Math.max(mostReplicas, counts.ready + counts.loading + counts.draining);
      if (counts.ready > 0) for (const replica of live.generator.replicas) if (replica.health === 'loading' && replica.load > 0) violations.push(`a loading replica had ${replica.load} requests`);
      if (live.deployment.running > 2 * Math.max(1, counts.ready)) violations.push(`${live.deployment.running} running on ${counts.ready} ready replicas`);
    }, 5);

    let loadOn = true;
    const outcomes: string[] = [];
    const client = async () => {
      while (loadOn) {
        const result = await oneRequest(live, 40);
        outcomes.push(result.outcome === 'ok' ? `ok ${result.tokens}` : `refused ${result.error.code}`);
      }
    };
    const clients = Array.from({ length: 8 }, client);
    try {
      await until(() => live.generator.replicaCounts().ready === 3, 60_000, 'three ready replicas');
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // more pressure at maxReplicas adds nothing
      loadOn = false;
      await Promise.all(clients);
      await until(() => live.generator.replicaCounts().ready === 1 && live.generator.replicaCounts().draining === 0, 30_000, 'the deployment to drain back to one replica');
    } finally {
      loadOn = false;
      clearInterval(sampler);
    }

    expect(violations).toEqual([]);
    expect(mostReplicas).toBe(3);
    expect(new Set(outcomes)).toEqual(new Set(['ok 40']));
    const snapshot = live.autoscaler.snapshot();
    expect(snapshot).toMatchObject({ ready: 1, loading: 0, draining: 0, minReplicas: 1, maxReplicas: 3, scaleUps: 2, scaleDowns: 2 });
    expect(snapshot.events.map((event) => `${event.direction} ${event.from}→${event.to}`)).toEqual(['up 1→2', 'up 2→3', 'down 3→2', 'down 2→1']);
    expect(snapshot.events[0]!.reason).toMatch(/^\d+ waiting for \d\.\d s$/);
    expect(lines).toContainEqual(expect.stringMatching(/^deployment "auto": scaling up from 1 to 2 replicas \(\d+ waiting for .* s\); the new one takes requests once loaded$/));
    // At least the 1 s asked for; a look (every 0.5 s) held up on a loaded machine can come a second or more later.
    expect(lines).toContainEqual(expect.stringMatching(/^deployment "auto": scaling down from 2 to 1 replicas \(0 running and none waiting for [1-9]\.\d s\); draining one$/));
    expect(lines.filter((line) => /drained replica finished its requests and stopped/.test(line))).toHaveLength(2);
    expect(lines.filter((line) => /terminated/.test(line))).toEqual([]);

    const scraped = await metrics.registry.metrics();
    expect(scraped).toContain('crucible_replicas{model="auto",state="ready"} 1');
    expect(scraped).toContain('crucible_replicas{model="auto",state="draining"} 0');
    expect(scraped).toContain('crucible_replicas_max{model="auto"} 3');
    expect(scraped).toContain('crucible_scaling_events_total{model="auto",direction="up"} 2');
    expect(scraped).toContain('crucible_scaling_events_total{model="auto",direction="down"} 2');
  }, 120_000);
});

describe('replicas joining and leaving', () => {
  it('drains a replica: it takes no new request, finishes the one it runs, then its worker stops by itself', async () => {
    // Long requests, so that both are still running when the poll looks: 60 tokens of the 64-token fixture took
    // less than the 20 ms between two polls on a fast CPU, and the test never saw them.
    const long = writeTinyModelFolder({ blockSize: 1024 });
    try {
      const { live, lines } = await deploy({ replicas: 2, maxBatchSize: 4, maxQueue: 8 }, long.folder);
      const [first, second] = live.generator.replicas;
      const inFlight = [oneRequest(live, 1000), oneRequest(live, 1000)];
      await until(() => first!.load === 1 && second!.load === 1, 10_000, 'one request on each replica');
      const stopped = live.generator.drainReplica()!;
      expect(live.generator.replicaCounts()).toEqual({ ready: 1, loading: 0, draining: 1, failed: 0 });
      const later = await oneRequest(live, 5);
      expect(await Promise.all(inFlight)).toEqual([
        { outcome: 'ok', tokens: 1000 },
        { outcome: 'ok', tokens: 1000 },
      ]);
      expect(later).toEqual({ outcome: 'ok', tokens: 5 });
      await stopped;
      expect(live.generator.replicaCounts()).toEqual({ ready: 1, loading: 0, draining: 0, failed: 0 });
      expect(live.deployment.scaling?.()).toMatchObject({ ready: 1, draining: 0 });
      expect(lines.filter((line) => /terminated/.test(line))).toEqual([]);
    } finally {
      long.remove();
    }
  }, 60_000);

  it('removes a replica whose model fails to load, keeps serving on the others, and adds none at once', async () => {
    const damaged = writeTinyModelFolder();
    try {
      const { live, lines } = await deploy({ maxBatchSize: 2, minReplicas: 1, maxReplicas: 2, autoscale: { scaleUpAfterSeconds: 3_600 } }, damaged.folder);
      writeFileSync(path.join(damaged.folder, 'onnx', 'model.onnx'), 'not an onnx model'); // the next replica cannot load it
      live.generator.addReplica();
      // The autoscaler removes the failed replica within half a second, so the test waits for its log line, not for
      // the moment the replica shows as failed (a poll can miss that moment on a busy machine).
      await until(() => lines.some((line) => line.startsWith('deployment "auto": removed 1 replica(s) whose model failed to load')), 20_000, 'the new replica to fail its load and be removed');
      expect(live.autoscaler.look()).toEqual({ action: 'hold' });
      expect(live.generator.replicaCounts()).toEqual({ ready: 1, loading: 0, draining: 0, failed: 0 });
      expect(lines).toContainEqual(expect.stringMatching(/auto#1: could not load the model: .*model\.onnx/));
      expect(lines).toContainEqual('deployment "auto": removed 1 replica(s) whose model failed to load (see the line above); no replica is added for 60 s');
      expect(live.generator.health()).toBe('ready');
      expect(await oneRequest(live, 5)).toEqual({ outcome: 'ok', tokens: 5 });
    } finally {
      damaged.remove();
    }
  }, 60_000);

  it('refuses with a 503 and retry-after only when every ready replica is full, and a loading replica adds no room', async () => {
    const { live } = await deploy({ replicas: 1, maxBatchSize: 1, maxQueue: 0, minReplicas: 1, maxReplicas: 2, autoscale: { scaleUpAfterSeconds: 3_600 } });
    // A request that holds its batch slot for as long as the test needs (a tiny model's generations end too soon).
    const holdSlot = await live.deployment.acquireSlot(new AbortController().signal);
    const refused = await oneRequest(live, 5);
    expect(refused).toMatchObject({ outcome: 'refused', error: { status: 503, code: 'overloaded', headers: { 'retry-after': '1' } } });

    live.generator.addReplica();
    expect(live.generator.replicaCounts()).toMatchObject({ ready: 1, loading: 1 });
    expect(await oneRequest(live, 5)).toMatchObject({ outcome: 'refused', error: { code: 'overloaded' } });
    await live.generator.whenReady();
    expect(live.generator.replicaCounts()).toMatchObject({ ready: 2, loading: 0 });
    expect(await oneRequest(live, 5)).toEqual({ outcome: 'ok', tokens: 5 });
    holdSlot();

    // The API server's /metrics reads the same replicas.
    const server = createOpenAiServer({ config: { port: 0, auth: 'none' }, deployments: [live.deployment], store: null, onWarning: () => undefined });
    try {
      const scraped = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(scraped).toContain('crucible_replicas{model="auto",state="ready"} 2');
      expect(scraped).toContain('crucible_replicas_min{model="auto"} 1');
      expect(scraped).toContain('crucible_scaling_events_total{model="auto",direction="up"} 0');
    } finally {
      await server.close();
    }
  }, 60_000);
});
