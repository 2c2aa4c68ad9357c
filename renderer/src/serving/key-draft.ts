// The "new API key" form as typed (all strings) and its conversion to the engine's create-key request, checked with
// the same zod schema the engine validates with, so a problem shows beside the form before anything is sent.
import { createApiKeyRequestSchema, type CreateApiKeyRequest } from '../../../app/protocol/serving-api.ts';

export interface KeyDraft {
  name: string;
  /** Comma- or space-separated model ids; '' allows every model. */
  models: string;
  /** '' keeps the endpoint's default; 0 means no limit. */
  rpm: string;
  tpm: string;
  concurrency: string;
  /** '' for no budget; then period must be '' too. */
  budget: string;
  period: '' | 'day' | 'month';
  /** YYYY-MM-DD or an ISO date-time; '' never expires. */
  expiresAt: string;
}

export const EMPTY_KEY_DRAFT: KeyDraft = { name: '', models: '', rpm: '', tpm: '', concurrency: '', budget: '', period: '', expiresAt: '' };

export type DraftResult = { ok: true; request: CreateApiKeyRequest } | { ok: false; message: string };

const FIELD_LABELS: Record<string, string> = { name: 'name', models: 'models', rpm: 'rpm', tpm: 'tpm', concurrency: 'concurrency', budget: 'budget', period: 'period', expiresAt: 'expires' };

function numberOrNull(text: string): number | null {
  const trimmed = text.trim();
  return trimmed === '' ? null : Number(trimmed);
}

export function keyRequestFromDraft(draft: KeyDraft): DraftResult {
  const models = draft.models.split(/[\s,]+/).filter((model) => model !== '');
  const request = {
    name: draft.name.trim(),
    models: models.length > 0 ? models : null,
    rpm: numberOrNull(draft.rpm),
    tpm: numberOrNull(draft.tpm),
    concurrency: numberOrNull(draft.concurrency),
    budget: numberOrNull(draft.budget),
    period: draft.period === '' ? null : draft.period,
    expiresAt: draft.expiresAt.trim() === '' ? null : draft.expiresAt.trim(),
  };
  const checked = createApiKeyRequestSchema.safeParse(request);
  if (checked.success) return { ok: true, request };
  const issue = checked.error.issues[0]!;
  const field = FIELD_LABELS[String(issue.path[0])] ?? 'key';
  return { ok: false, message: `${field}: ${issue.message}` };
}
