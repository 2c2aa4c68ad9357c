// @vitest-environment jsdom
// The keys view in a DOM: typing the form reaches the store, a created key's secret shows once with a copy button
// and disappears for good when dismissed, and a form problem shows beside the form.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiKeyInfo } from '../../../app/protocol/serving-api.ts';
import { fakeEngineApi } from '../store/testing/fake-engine.ts';
import { StudioStoreProvider } from '../store/store-context.tsx';
import { createTestStore } from '../store/testing/test-store.ts';
import { KeysView } from './KeysView.tsx';

afterEach(cleanup);

function keyInfo(name: string): ApiKeyInfo {
  return { id: 'k1', name, hint: 'sk-…9f3a', models: null, rpm: null, tpm: null, concurrency: null, budget: null, period: null, expiresAt: null, createdAt: '2026-03-01T00:00:00Z', revokedAt: null, status: 'active' };
}

function renderKeys() {
  const revoked: string[] = [];
  const store = createTestStore();
  store.getState().attachEngine(
    fakeEngineApi({
      updateApiKey: async (name, changes) => ({ ...keyInfo(name), rpm: changes.rpm ?? null }),
      revokeApiKey: async (name) => {
        revoked.push(name);
        return { ...keyInfo(name), status: 'revoked', revokedAt: '2026-03-02T00:00:00Z' };
      },
      createApiKey: async (request) => ({
        key: 'sk-only-once-9f3a',
        info: keyInfo(request.name),
      }),
    }),
  );
  const view = render(
    <StudioStoreProvider store={store}>
      <KeysView />
    </StudioStoreProvider>,
  );
  const input = (field: string) => view.container.querySelector<HTMLInputElement>(`[data-key-field="${field}"] input, [data-key-field="${field}"] select`)!;
  return { store, view, input, revoked };
}

describe('KeysView', () => {
  it('shows a new key’s secret once, with a copy button, and lists the key by its hint', async () => {
    const { view, input } = renderKeys();
    fireEvent.change(input('name'), { target: { value: 'web-app' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain('sk-only-once-9f3a');
    expect(banner.textContent).toContain('will not be shown again');
    expect(screen.getByRole('button', { name: 'copy' })).toBeTruthy();
    expect(view.container.querySelector('[data-key-name="web-app"]')!.textContent).toContain('sk-…9f3a');

    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(view.container.textContent).not.toContain('sk-only-once-9f3a'));
  });

  it('says what is wrong with the form before sending it', async () => {
    const { view, input } = renderKeys();
    fireEvent.change(input('name'), { target: { value: 'x' } });
    fireEvent.change(input('budget'), { target: { value: '3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    await waitFor(() => expect(view.container.querySelector('.field-error')?.textContent).toContain('budget and period go together'));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('edits a key in the same form: name fixed, settings filled in, saved in place', async () => {
    const { view, input } = renderKeys();
    fireEvent.change(input('name'), { target: { value: 'web-app' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    await screen.findByRole('alert');
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    expect(input('name').disabled).toBe(true);
    expect(input('name').value).toBe('web-app');
    expect(view.container.querySelector('.key-form-title')!.textContent).toContain('its secret stays the same');
    fireEvent.change(input('rpm'), { target: { value: '45' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(view.container.querySelector('[data-key-name="web-app"]')!.textContent).toContain('45 / default / default'));
    expect(screen.getByRole('button', { name: 'Create key' })).toBeTruthy();
    expect(input('name').disabled).toBe(false);
  });

  it('asks before revoking a key, and keeps it when told to', async () => {
    const { view, input, revoked } = renderKeys();
    fireEvent.change(input('name'), { target: { value: 'web-app' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    await screen.findByRole('alert');
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));

    fireEvent.click(screen.getByRole('button', { name: 'Revoke' }));
    expect(screen.getByRole('group', { name: 'Revoke web-app?' }).textContent).toContain('cannot be undone');
    fireEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(revoked).toEqual([]);
    expect(screen.queryByRole('group', { name: 'Revoke web-app?' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Revoke' }));
    fireEvent.click(screen.getByRole('button', { name: 'Revoke key' }));
    await waitFor(() => expect(view.container.querySelector('[data-key-name="web-app"] .badge')!.textContent).toBe('revoked'));
    expect(revoked).toEqual(['web-app']);
  });
});
