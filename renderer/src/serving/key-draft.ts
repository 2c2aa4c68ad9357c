// The API key form as typed (all strings) and its conversion to the engine's create-key or update-key request,
// checked with the same zod schemas the engine validates with, so a problem shows beside the form before anything
// is sent. Editing a key starts from its current settings (`draftFromKey`).
import {
  createApiKeyRequestSchema,
  updateApiKeyRequestSchema,
  type ApiKeyInfo,
  type CreateApiKeyRequest,
  type UpdateApiKeyRequest,
} from '../../../app/protocol/serving-api.ts';

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

/** Every setting but the name, as the engine takes it: '' becomes null (default, none, never). */
function settingsOf(draft: KeyDraft) {
  const models = draft.models.split(/[\s,]+/).filter((model) => model !== '');
  return {
    models: models.length > 0 ? models : null,
    rpm: numberOrNull(draft.rpm),
    tpm: numberOrNull(draft.tpm),
    concurrency: numberOrNull(draft.concurrency),
    budget: numberOrNull(draft.budget),
    period: draft.period === '' ? null : draft.period,
    expiresAt: draft.expiresAt.trim() === '' ? null : draft.expiresAt.trim(),
  };
}

function problemOf(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const issue = issues[0]!;
  const field = FIELD_LABELS[String(issue.path[0])] ?? 'key';
  return `${field}: ${issue.message}`;
}

export function keyRequestFromDraft(draft: KeyDraft): DraftResult {
  const request = { name: draft.name.trim(), ...settingsOf(draft) };
  const checked = createApiKeyRequestSchema.safeParse(request);
  return checked.success ? { ok: true, request } : { ok: false, message: problemOf(checked.error.issues) };
}

/** The whole edited draft as an update: every setting is sent, so clearing a field clears it on the key. */
export function keyUpdateFromDraft(draft: KeyDraft): { ok: true; changes: UpdateApiKeyRequest } | { ok: false; message: string } {
  const changes = settingsOf(draft);
  const checked = updateApiKeyRequestSchema.safeParse(changes);
  return checked.success ? { ok: true, changes } : { ok: false, message: problemOf(checked.error.issues) };
}

/** A key's current settings as the form shows them. */
export function draftFromKey(key: ApiKeyInfo): KeyDraft {
  const text = (value: number | null) => (value === null ? '' : String(value));
  return {
    name: key.name,
    models: key.models?.join(', ') ?? '',
    rpm: text(key.rpm),
    tpm: text(key.tpm),
    concurrency: text(key.concurrency),
    budget: text(key.budget),
    period: key.period ?? '',
    expiresAt: key.expiresAt ?? '',
  };
}
