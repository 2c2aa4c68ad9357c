// The api-endpoint node: an OpenAI-compatible HTTP API over one or more deployments, with keys, rate limits and
// usage billing.
import { z } from 'zod';
import { defineNodeSpec } from '../../app/nodes/spec.ts';
import { checkSharedBackends, sharedBackendFields } from './shared-backends.ts';
import { checkUpstreams, routingConfig, upstreamConfig } from './upstreams.ts';

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];

/** The api-endpoint's port when its config names none. */
export const DEFAULT_ENDPOINT_PORT = 8421;

export const apiEndpointConfig = z.strictObject({
  host: z.string().min(1).max(255).default('127.0.0.1').describe('Address to listen on; keep 127.0.0.1 unless other machines must reach it.'),
  port: z
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(DEFAULT_ENDPOINT_PORT)
    .describe(`TCP port; 0 picks a free one. ${DEFAULT_ENDPOINT_PORT} by default: fixed, so clients keep their URL, and clear of the ports dev servers take (3000, 5000, 8000, 8080).`),
  auth: z.enum(['keys', 'none']).default('keys').describe('keys: require an API key; none: only allowed on a loopback host.'),
  rateLimit: z
    .strictObject({
      rpm: z.number().int().min(0).max(1e9).default(0).describe('Default requests per minute per key; 0 means no limit.'),
      tpm: z.number().int().min(0).max(1e12).default(0).describe('Default tokens per minute per key; 0 means no limit.'),
      concurrency: z.number().int().min(0).max(100_000).default(0).describe('Default concurrent requests per key; 0 means no limit.'),
    })
    .default({ rpm: 0, tpm: 0, concurrency: 0 })
    .describe('Limits for keys that do not set their own.'),
  pricing: z
    .strictObject({
      promptPer1k: z.number().min(0).max(1e6).default(0).describe('Price per 1,000 prompt tokens.'),
      completionPer1k: z.number().min(0).max(1e6).default(0).describe('Price per 1,000 completion tokens.'),
      currency: z.string().min(1).max(8).default('USD').describe('Currency code for usage reports.'),
    })
    .default({ promptPer1k: 0, completionPer1k: 0, currency: 'USD' })
    .describe('What usage costs, for billing reports and budgets.'),
  cors: z.array(z.string().min(1).max(512)).max(64).default([]).describe('Browser origins allowed to call the API; none by default.'),
  maxBodyBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024).describe('Largest accepted request body.'),
  upstreams: z.array(upstreamConfig).max(64).default([]).describe('Other OpenAI-compatible servers to route to, beside the connected deployments.'),
  routing: routingConfig.default(routingConfig.parse({})).describe('Failover and health checks between the members of a pool.'),
  ...sharedBackendFields,
});

export const apiEndpointSpec = defineNodeSpec({
  type: 'api-endpoint',
  title: 'API endpoint',
  category: 'Serving',
  icon: 'plug',
  summary: 'Serve deployments through an OpenAI-compatible API with keys and billing.',
  docs: 'GET /v1/models, POST /v1/completions and /v1/chat/completions (streaming included), /health and /metrics. Works with the official openai client.',
  version: 1,
  inputs: [{ name: 'deployments', type: 'Deployment', title: 'Deployments', description: 'Deployments to serve (none when it only routes to upstreams).', multi: true, optional: true }],
  outputs: [],
  config: apiEndpointConfig,
  service: true,
  checkConfig: (config) => {
    const problems = [...checkUpstreams(config.upstreams), ...checkSharedBackends(config)];
    if (config.auth === 'none' && !LOOPBACK_HOSTS.includes(config.host)) {
      problems.unshift({ field: 'auth', message: `"none" is only allowed on a loopback host (127.0.0.1, localhost, ::1), not "${config.host}"` });
    }
    return problems;
  },
});
