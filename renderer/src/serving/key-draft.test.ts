// The new-key form as typed becomes the engine's request, checked by the engine's own schema before it is sent.
import { describe, expect, it } from 'vitest';
import { EMPTY_KEY_DRAFT, keyRequestFromDraft } from './key-draft.ts';

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
