// The contract for API keys and usage reports, shared by the engine API routes, the CLI and the studio's usage view.
// Pure types and zod schemas; the engine validates every body and query with them.
import { z } from 'zod';

const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A date ("2026-03-01", meaning 00:00 UTC) or an ISO date-time; normalised to an ISO string. */
export const dateInputSchema = z
  .string()
  .max(64)
  .regex(/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'must be a date like 2026-03-01 or an ISO date-time')
  .transform((text, context) => {
    const time = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
    if (Number.isNaN(time)) {
      context.addIssue({ code: 'custom', message: `"${text}" is not a real date` });
      return z.NEVER;
    }
    return new Date(time).toISOString();
  });

const limitSchema = z.number().int().min(0).max(1e12).nullable().default(null);

export const createApiKeyRequestSchema = z
  .strictObject({
    name: z.string().min(1).max(64).regex(KEY_NAME_PATTERN, 'must use letters, digits, ".", "_" and "-"'),
    /** Model ids the key may call; null allows every model. */
    models: z.array(z.string().min(1).max(256)).min(1).max(256).nullable().default(null),
    /** null: the endpoint's default limit; 0: no limit. */
    rpm: limitSchema,
    tpm: limitSchema,
    concurrency: limitSchema,
    /** Most the key may spend per period, in the endpoint's pricing currency. */
    budget: z.number().positive().max(1e12).nullable().default(null),
    period: z.enum(['day', 'month']).nullable().default(null),
    expiresAt: dateInputSchema.nullable().default(null),
  })
  .refine((request) => (request.budget === null) === (request.period === null), {
    message: 'budget and period go together: give both (e.g. budget 5, period "month") or neither',
    path: ['period'],
  });
export type CreateApiKeyRequest = z.input<typeof createApiKeyRequestSchema>;
export type CreateApiKeyOptions = z.output<typeof createApiKeyRequestSchema>;

/**
 * Changes to an active key's scope, limits, budget or expiry; fields left out stay as they are. The secret never
 * changes: apps keep working with the new limits from their next request.
 */
export const updateApiKeyRequestSchema = z
  .strictObject({
    models: z.array(z.string().min(1).max(256)).min(1).max(256).nullable().optional(),
    rpm: z.number().int().min(0).max(1e12).nullable().optional(),
    tpm: z.number().int().min(0).max(1e12).nullable().optional(),
    concurrency: z.number().int().min(0).max(1e12).nullable().optional(),
    budget: z.number().positive().max(1e12).nullable().optional(),
    period: z.enum(['day', 'month']).nullable().optional(),
    expiresAt: dateInputSchema.nullable().optional(),
  })
  .refine((changes) => Object.keys(changes).length > 0, { message: 'give at least one field to change' })
  .refine((changes) => (changes.budget === undefined) === (changes.period === undefined) && (changes.budget === null) === (changes.period === null), {
    message: 'budget and period change together: give both (e.g. budget 5, period "month"), or both null to remove the budget',
    path: ['period'],
  });
export type UpdateApiKeyRequest = z.input<typeof updateApiKeyRequestSchema>;
export type UpdateApiKeyOptions = z.output<typeof updateApiKeyRequestSchema>;

export type ApiKeyStatus = 'active' | 'expired' | 'revoked';

export interface ApiKeyInfo {
  id: string;
  name: string;
  /** "sk-…" plus the last four characters, to tell keys apart; the secret itself is never stored. */
  hint: string;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  concurrency: number | null;
  budget: number | null;
  period: 'day' | 'month' | null;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
  status: ApiKeyStatus;
}

/** The only time the secret is shown. */
export interface CreatedApiKey {
  key: string;
  info: ApiKeyInfo;
}

export const usageQuerySchema = z.object({
  key: z.string().min(1).max(64).optional(),
  since: dateInputSchema.optional(),
  until: dateInputSchema.optional(),
});
export type UsageQuery = z.input<typeof usageQuerySchema>;

/** Totals for one day, key and model. Days are UTC. */
export interface UsageRow {
  day: string;
  /** null for requests without a key (auth "none", or refused before a key matched). */
  key: string | null;
  model: string | null;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
  currency: string | null;
  avgLatencyMs: number | null;
  avgTtftMs: number | null;
}

export interface UsageReport {
  rows: UsageRow[];
  totals: { requests: number; errors: number; promptTokens: number; completionTokens: number; cost: number };
}
