// The key form as typed becomes the engine's create or update request, checked by the engine's own schema before it
// is sent; editing starts from the key's current settings.
import { describe, expect, it } from 'vitest';
import type { ApiKeyInfo } from '../../../app/protocol/serving-api.ts';
import { draftFromKey, EMPTY_KEY_DRAFT, keyRequestFromDraft, keyUpdateFromDraft } from './key-draft.ts';

describe('keyRequestFromDraft', () => {
  it('turns the typed fields into a request, empty ones into null', () => {
    const result = keyRequestFromDraft({ ...EMPTY_KEY_DRAFT, name: ' app ', models: 'tiny, big  other', rpm: '60', concurrency: '0', budget: '5', period: 'month', expiresAt: '2030-01-31' });
    expect(result).toEqual({
      ok: true,
      request: { name: 'app', models: ['tiny', 'big', 'other'], rpm: 60, tpm: null, concurrency: 0, budget: 5, period: 'month', expiresAt: '2030-01-31' },
    });
    expect(keyRequestFromDraft({ ...EMPTY_KEY_DRAFT, name: 'all' })).toMatchObject({ ok: true, request: { models: null, budget: null, period: null, expiresAt: null } });
  });

  it('names the field with the problem', () => {
    expect(keyRequestFromDraft(EMPTY_KEY_DRAFT)).toMatchObject({ ok: false, message: expect.stringMatching(/^name: /) });
    expect(keyRequestFromDraft({ ...EMPTY_KEY_DRAFT, name: 'has space' })).toMatchObject({ ok: false, message: 'name: must use letters, digits, ".", "_" and "-"' });
    expect(keyRequestFromDraft({ ...EMPTY_KEY_DRAFT, name: 'a', rpm: '1.5' })).toMatchObject({ ok: false, message: expect.stringMatching(/^rpm: /) });
    expect(keyRequestFromDraft({ ...EMPTY_KEY_DRAFT, name: 'a', budget: '5' })).toMatchObject({ ok: false, message: expect.stringContaining('period: budget and period go together') });
    expect(keyRequestFromDraft({ ...EMPTY_KEY_DRAFT, name: 'a', expiresAt: 'next week' })).toMatchObject({ ok: false, message: expect.stringMatching(/^expires: must be a date/) });
  });
});

describe('editing a key', () => {
  const key: ApiKeyInfo = { id: 'k', name: 'app', hint: 'sk-…abcd', models: ['tiny', 'big'], rpm: 60, tpm: null, concurrency: 0, budget: 5, period: 'month', expiresAt: '2030-01-31T00:00:00.000Z', createdAt: '2026-03-01T00:00:00Z', revokedAt: null, status: 'active' };

  it('starts from the key’s settings and sends every setting back, so a cleared field is cleared', () => {
    const draft = draftFromKey(key);
    expect(draft).toEqual({ name: 'app', models: 'tiny, big', rpm: '60', tpm: '', concurrency: '0', budget: '5', period: 'month', expiresAt: '2030-01-31T00:00:00.000Z' });
    expect(keyUpdateFromDraft(draft)).toEqual({ ok: true, changes: { models: ['tiny', 'big'], rpm: 60, tpm: null, concurrency: 0, budget: 5, period: 'month', expiresAt: '2030-01-31T00:00:00.000Z' } });
    expect(keyUpdateFromDraft({ ...draft, models: '', rpm: '', budget: '', period: '', expiresAt: '' })).toEqual({
      ok: true,
      changes: { models: null, rpm: null, tpm: null, concurrency: 0, budget: null, period: null, expiresAt: null },
    });
  });

  it('names the field with the problem', () => {
    expect(keyUpdateFromDraft({ ...draftFromKey(key), period: '' })).toMatchObject({ ok: false, message: expect.stringContaining('period: budget and period change together') });
    expect(keyUpdateFromDraft({ ...draftFromKey(key), tpm: '-3' })).toMatchObject({ ok: false, message: expect.stringMatching(/^tpm: /) });
  });
});
