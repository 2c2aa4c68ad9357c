// Who is calling: the API key behind `Authorization: Bearer`, its limits (the endpoint's defaults where it sets none),
// and its model scope. With auth "none" every caller shares one anonymous identity.
import type { ApiKeyInfo } from '../../app/protocol/serving-api.ts';
import { OpenAiError } from './openai-error.ts';
import type { KeyLimits } from './rate-limiter.ts';
import type { KeyStore } from './store/key-store.ts';

export interface Caller {
  key: ApiKeyInfo | null;
  /** Rate-limit bucket: the key's id, or "anonymous". */
  bucket: string;
  /** How messages name the caller. */
  label: string;
  limits: KeyLimits;
}

export type AuthMode = { mode: 'keys'; keys: KeyStore } | { mode: 'none' };

export async function authenticateCaller(authorization: string | undefined, auth: AuthMode, defaults: KeyLimits, now: Date): Promise<Caller> {
  if (auth.mode === 'none') return { key: null, bucket: 'anonymous', label: 'anonymous', limits: defaults };
  const secret = bearerOf(authorization);
  const check = await auth.keys.check(secret, now).catch((error: unknown) => {
    throw storeUnavailable(error);
  });
  if (!check.ok) {
    const message =
      check.reason === 'unknown'
        ? `Incorrect API key provided: ${masked(secret)}. Create one with \`crucible keys create --name NAME\`.`
        : check.reason === 'revoked'
          ? `The API key '${check.key.name}' (${check.key.hint}) was revoked at ${check.key.revokedAt}. Ask for a new key.`
          : `The API key '${check.key.name}' (${check.key.hint}) expired at ${check.key.expiresAt}. Ask for a new key.`;
    throw new OpenAiError(401, 'invalid_api_key', message, { type: 'invalid_request_error' });
  }
  const { key } = check;
  return {
    key,
    bucket: key.id,
    label: key.name,
    limits: { rpm: key.rpm ?? defaults.rpm, tpm: key.tpm ?? defaults.tpm, concurrency: key.concurrency ?? defaults.concurrency },
  };
}

/** A store that did not answer (a PostgreSQL server away): 503 with a retry hint, never a request let through unchecked. */
export function storeUnavailable(error: unknown): OpenAiError {
  const reason = error instanceof Error ? error.message : String(error);
  return new OpenAiError(503, 'store_unavailable', `The API key and usage store did not answer (${reason}). Retry shortly.`, { retryAfterMs: 1_000 });
}

/** 403 when the key may not use `model`. */
export function checkModelScope(caller: Caller, model: string): void {
  if (!mayUseModel(caller, model)) {
    const message = `The API key '${caller.label}' may not use the model \`${model}\`; it is limited to: ${caller.key!.models!.join(', ')}.`;
    throw new OpenAiError(403, 'model_not_allowed', message, { param: 'model', type: 'invalid_request_error' });
  }
}

export function mayUseModel(caller: Caller, model: string): boolean {
  return caller.key?.models == null || caller.key.models.includes(model);
}

function bearerOf(authorization: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) {
    const message = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
    throw new OpenAiError(401, 'invalid_api_key', message, { type: 'invalid_request_error' });
  }
  return match[1]!;
}

function masked(secret: string): string {
  return secret.length <= 8 ? '****' : `${secret.slice(0, 3)}…${secret.slice(-4)}`;
}
