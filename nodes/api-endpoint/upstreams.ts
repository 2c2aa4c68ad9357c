// The api-endpoint's remote upstreams (other OpenAI-compatible servers it routes to) and how it routes between the
// members of a pool. Browser-safe: the schema and the checks the inspector and the engine both run.
import { z } from 'zod';

/** Environment variable names only: the key itself never enters a pipeline file. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Crucible's own environment variables (engine token, store and limits URLs): never an upstream's key. */
const OWN_ENV_PREFIX = 'CRUCIBLE_';
const MODEL_NAME = z.string().min(1).max(256);

export const upstreamModel = z.strictObject({
  name: MODEL_NAME.describe('The model id the upstream serves, as its /v1/models lists it.'),
  servedAs: MODEL_NAME.optional().describe('The name clients use for it here; the upstream\'s own name when left out.'),
});

export const upstreamConfig = z.strictObject({
  url: z.string().min(1).max(2048).describe('OpenAI-compatible base URL, e.g. http://10.0.0.5:8000/v1 or http://127.0.0.1:8081.'),
  name: z.string().min(1).max(64).optional().describe('How /health, /metrics and logs name this member; host:port when left out.'),
  models: z
    .array(upstreamModel)
    .max(256)
    .default([])
    .describe('The models it serves, each optionally renamed; empty: whatever its /v1/models lists.'),
  apiKeyEnv: z.string().max(128).optional().describe('Name of the environment variable holding its API key (never the key itself).'),
  weight: z.number().positive().max(1000).default(1).describe('Share of traffic relative to the pool\'s other members.'),
  maxConcurrency: z.number().int().min(0).max(100_000).default(0).describe('Most requests in flight to it at once; 0 means no cap.'),
});

export const routingConfig = z.strictObject({
  maxRetries: z.number().int().min(0).max(10).default(2).describe('Other members tried when one fails before the first byte reaches the client.'),
  healthCheckIntervalMs: z.number().int().min(200).max(600_000).default(3_000).describe('How often each upstream is probed (/health, else /v1/models).'),
  cooldownMs: z.number().int().min(100).max(600_000).default(2_000).describe('First wait before a failed member is probed again; doubles while it keeps failing, up to 10 s (or this, if longer).'),
  firstByteTimeoutMs: z.number().int().min(100).max(3_600_000).default(60_000).describe('An upstream that sends nothing for this long before its first byte counts as failed.'),
});

export type UpstreamConfig = z.output<typeof upstreamConfig>;
export type RoutingConfig = z.output<typeof routingConfig>;

export interface UpstreamProblem {
  field: string;
  message: string;
}

/** What the schema cannot say: a usable URL without credentials, an env-var name rather than a secret, one name per member. */
export function checkUpstreams(upstreams: readonly UpstreamConfig[]): UpstreamProblem[] {
  const problems: UpstreamProblem[] = [];
  const names = new Set<string>();
  upstreams.forEach((upstream, index) => {
    const at = `upstreams.${index}`;
    const url = parseUpstreamUrl(upstream.url);
    if (typeof url === 'string') problems.push({ field: `${at}.url`, message: url });
    if (upstream.apiKeyEnv !== undefined && (!ENV_NAME.test(upstream.apiKeyEnv) || looksLikeSecret(upstream.apiKeyEnv))) {
      problems.push({
        field: `${at}.apiKeyEnv`,
        message: 'must name an environment variable (letters, digits, _; e.g. OPENAI_API_KEY) that holds the key; never put the key itself in the pipeline file',
      });
    } else if (upstream.apiKeyEnv !== undefined && upstream.apiKeyEnv.toUpperCase().startsWith(OWN_ENV_PREFIX)) {
      // The value goes to the URL beside it as a bearer key: a shared pipeline file must not be able to send Crucible's
      // own settings (the engine token, the store and limits URLs with their passwords) to a server it names.
      problems.push({
        field: `${at}.apiKeyEnv`,
        message: `${upstream.apiKeyEnv} is one of Crucible's own settings (${OWN_ENV_PREFIX}*), never sent to an upstream; name the variable that holds the upstream's API key`,
      });
    }
    const name = memberName(upstream);
    if (names.has(name)) problems.push({ field: `${at}.name`, message: `two upstreams are named "${name}"; give each its own name` });
    names.add(name);
    const servedAs = new Set<string>();
    for (const model of upstream.models) {
      const publicName = model.servedAs ?? model.name;
      if (servedAs.has(publicName)) problems.push({ field: `${at}.models`, message: `"${publicName}" is listed twice; rename one with servedAs` });
      servedAs.add(publicName);
    }
  });
  return problems;
}

/** Variable names are short words; a long run of lower-case letters and digits is a key pasted in the wrong field. */
function looksLikeSecret(value: string): boolean {
  return value.length >= 24 && /[a-z]/.test(value) && /[0-9]/.test(value);
}

/** The base URL the gateway appends /chat/completions and friends to (always ending in /v1), or why it cannot be used. */
export function parseUpstreamUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text.slice(0, 80)}" is not a URL; give an http:// or https:// base URL such as http://127.0.0.1:8081/v1`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be http:// or https://, not ${url.protocol}`;
  if (url.username || url.password) return 'must not carry credentials; put the API key in an environment variable and name it in apiKeyEnv';
  if (url.search || url.hash) return 'must be a base URL without ?query or #fragment';
  const trimmed = url.pathname.replace(/\/+$/, '');
  url.pathname = trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
  return url;
}

export function memberName(upstream: Pick<UpstreamConfig, 'url' | 'name'>): string {
  if (upstream.name) return upstream.name;
  try {
    return new URL(upstream.url).host;
  } catch {
    return upstream.url.slice(0, 64);
  }
}
