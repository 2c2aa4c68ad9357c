// API keys: a form to create one with its models, rate limits, budget and expiry (or to change an existing key's);
// the new secret shown once with a copy button; and the list of keys with their limits, status, edit and revoke
// (revoking asks first: it cannot be undone).
import { useState } from 'react';
import type { ApiKeyInfo } from '../../../app/protocol/serving-api.ts';
import { useStudio } from '../store/store-context.tsx';
import { CopyButton } from './CopyButton.tsx';
import type { KeyDraft } from './key-draft.ts';

type TextField = Exclude<keyof KeyDraft, 'period'>;

const DRAFT_FIELDS: { field: TextField; label: string; placeholder: string; type?: string }[] = [
  { field: 'name', label: 'name', placeholder: 'my-app' },
  { field: 'models', label: 'models', placeholder: 'all models' },
  { field: 'rpm', label: 'requests/min', placeholder: 'endpoint default', type: 'number' },
  { field: 'tpm', label: 'tokens/min', placeholder: 'endpoint default', type: 'number' },
  { field: 'concurrency', label: 'concurrent', placeholder: 'endpoint default', type: 'number' },
  { field: 'budget', label: 'budget', placeholder: 'none', type: 'number' },
  { field: 'expiresAt', label: 'expires', placeholder: 'never (2026-12-31)' },
];

function CreatedKeyBanner() {
  const created = useStudio((state) => state.createdKey);
  const dismiss = useStudio((state) => state.dismissCreatedKey);
  const tryKeyInPlayground = useStudio((state) => state.tryKeyInPlayground);
  if (!created) return null;
  return (
    <div className="created-key" role="alert">
      <p>
        Key <strong>{created.info.name}</strong> created. Copy it now: it will not be shown again.
      </p>
      <code className="secret" data-secret>
        {created.key}
      </code>{' '}
      <CopyButton text={created.key} /> <button type="button" onClick={() => tryKeyInPlayground(created.key)}>Use in playground</button>{' '}
      <button type="button" onClick={dismiss}>
        Done
      </button>
    </div>
  );
}

function KeyForm() {
  const draft = useStudio((state) => state.keyDraft);
  const problem = useStudio((state) => state.keyDraftProblem);
  const setKeyDraft = useStudio((state) => state.setKeyDraft);
  const createApiKey = useStudio((state) => state.createApiKey);
  const editing = useStudio((state) => state.editingKeyName);
  const saveApiKey = useStudio((state) => state.saveApiKey);
  const cancelKeyEdit = useStudio((state) => state.cancelKeyEdit);
  return (
    <form
      className="key-form"
      onSubmit={(event) => {
        event.preventDefault();
        void (editing === null ? createApiKey() : saveApiKey());
      }}
    >
      {editing !== null && (
        <p className="key-form-title">
          Editing <strong>{editing}</strong>: its secret stays the same; the new settings apply from its next request.
        </p>
      )}
      {DRAFT_FIELDS.map(({ field, label, placeholder, type }) => (
        <label key={field} data-key-field={field}>
          <span>{label}</span>
          <input
            type={type ?? 'text'}
            min={type ? 0 : undefined}
            value={draft[field]}
            placeholder={placeholder}
            disabled={field === 'name' && editing !== null}
            onChange={(event) => setKeyDraft({ [field]: event.target.value })}
          />
        </label>
      ))}
      <label data-key-field="period">
        <span>per</span>
        <select value={draft.period} onChange={(event) => setKeyDraft({ period: event.target.value as KeyDraft['period'] })}>
          <option value="">—</option>
          <option value="day">day</option>
          <option value="month">month</option>
        </select>
      </label>
      <button type="submit">{editing === null ? 'Create key' : 'Save changes'}</button>
      {editing !== null && (
        <button type="button" onClick={cancelKeyEdit}>
          Cancel
        </button>
      )}
      {problem && <p className="field-error">{problem}</p>}
    </form>
  );
}

const limitText = (value: number | null) => (value === null ? 'default' : value === 0 ? 'none' : String(value));

/** Revoke, then a confirmation in place of the buttons: what revoking does, and a way back. */
function KeyActions({ apiKey }: { apiKey: ApiKeyInfo }) {
  const revokeApiKey = useStudio((state) => state.revokeApiKey);
  const editApiKey = useStudio((state) => state.editApiKey);
  const [confirming, setConfirming] = useState(false);
  if (confirming) {
    return (
      <span className="key-confirm" role="group" aria-label={`Revoke ${apiKey.name}?`}>
        Revoke <strong>{apiKey.name}</strong>? Apps using it get 401 from their next request; this cannot be undone.{' '}
        <button type="button" className="danger" onClick={() => void revokeApiKey(apiKey.name).finally(() => setConfirming(false))}>
          Revoke key
        </button>{' '}
        <button type="button" autoFocus onClick={() => setConfirming(false)}>
          Keep it
        </button>
      </span>
    );
  }
  return (
    <>
      <button type="button" onClick={() => editApiKey(apiKey.name)}>
        Edit
      </button>{' '}
      <button type="button" onClick={() => setConfirming(true)}>
        Revoke
      </button>
    </>
  );
}

function KeyRow({ apiKey }: { apiKey: ApiKeyInfo }) {
  return (
    <tr data-key-name={apiKey.name}>
      <td>{apiKey.name}</td>
      <td>
        <code>{apiKey.hint}</code>
      </td>
      <td>{apiKey.models?.join(', ') ?? 'all'}</td>
      <td>
        {limitText(apiKey.rpm)} / {limitText(apiKey.tpm)} / {limitText(apiKey.concurrency)}
      </td>
      <td>{apiKey.budget === null ? '—' : `${apiKey.budget} per ${apiKey.period}`}</td>
      <td>{apiKey.expiresAt ? new Date(apiKey.expiresAt).toLocaleString() : 'never'}</td>
      <td>
        <span className={`badge key-${apiKey.status}`}>{apiKey.status}</span>
      </td>
      <td>{apiKey.status === 'active' && <KeyActions apiKey={apiKey} />}</td>
    </tr>
  );
}

export function KeysView() {
  const keys = useStudio((state) => state.apiKeys);
  return (
    <div className="keys">
      <CreatedKeyBanner />
      <KeyForm />
      {keys.length === 0 ? (
        <p className="muted">No API keys yet. Endpoints with auth "keys" answer 401 until you create one.</p>
      ) : (
        <table className="key-list">
          <thead>
            <tr>
              <th>name</th>
              <th>key</th>
              <th>models</th>
              <th>rpm / tpm / concurrent</th>
              <th>budget</th>
              <th>expires</th>
              <th>status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.map((apiKey) => (
              <KeyRow key={apiKey.id} apiKey={apiKey} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
