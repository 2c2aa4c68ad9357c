// API keys in the serving store (SQLite or PostgreSQL): "sk-" secrets from crypto randomness, shown once; only their
// SHA-256 is stored. Keys carry a model scope, limits, a budget and an expiry, which can be changed, and are revoked
// by name. A presented key is found by the hash of the secret.
import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyInfo, ApiKeyStatus, CreateApiKeyOptions, CreatedApiKey, UpdateApiKeyOptions } from '../../../app/protocol/serving-api.ts';
import type { SqlClient } from './sql-client.ts';

interface KeyRow {
  id: string;
  name: string;
  key_hash: string;
  key_hint: string;
  models_json: string | null;
  rpm: number | null;
  tpm: number | null;
  concurrency: number | null;
  budget: number | null;
  budget_period: 'day' | 'month' | null;
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
}

export type KeyCheck = { ok: true; key: ApiKeyInfo } | { ok: false; reason: 'unknown' } | { ok: false; reason: 'revoked' | 'expired'; key: ApiKeyInfo };

export class KeyNameTakenError extends Error {
  constructor(name: string) {
    super(`API keys: an active key named "${name}" already exists; revoke it first or pick another name.`);
  }
}

const KEY_COLUMNS = ['id', 'name', 'key_hash', 'key_hint', 'models_json', 'rpm', 'tpm', 'concurrency', 'budget', 'budget_period', 'expires_at', 'created_at', 'revoked_at'] as const;

export class KeyStore {
  readonly #sql: SqlClient;

  constructor(sql: SqlClient) {
    this.#sql = sql;
  }

  /** Creates a key and returns its secret, which is not kept: show it to the user once. */
  async create(options: CreateApiKeyOptions, now = new Date()): Promise<CreatedApiKey> {
    if (await this.#activeRow(options.name)) throw new KeyNameTakenError(options.name);
    // 32 random bytes: far beyond guessing, which is why a fast unsalted hash is enough to store.
    const key = `sk-${randomBytes(32).toString('base64url')}`;
    const row = {
      id: `key_${randomBytes(8).toString('hex')}`,
      name: options.name,
      key_hash: hashOf(key).toString('hex'),
      key_hint: `sk-…${key.slice(-4)}`,
      created_at: now.toISOString(),
      revoked_at: null,
      ...settingColumns(options),
    } as KeyRow; // every setting is given on create, so every column is set
    try {
      await this.#sql.run(`INSERT INTO api_keys (${KEY_COLUMNS.join(', ')}) VALUES (${KEY_COLUMNS.map(() => '?').join(', ')})`, KEY_COLUMNS.map((column) => row[column]));
    } catch (error) {
      // Another process may have taken the name between the check and the insert.
      if (this.#sql.isUniqueViolation(error)) throw new KeyNameTakenError(options.name);
      throw error;
    }
    return { key, info: infoOf(row, now) };
  }

  /** Every key, revoked ones included, newest first. */
  async list(now = new Date()): Promise<ApiKeyInfo[]> {
    const rows = await this.#sql.all<KeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC, name');
    return rows.map((row) => infoOf(row, now));
  }

  /** Revokes the active key with this name; null if there is none. */
  async revoke(name: string, now = new Date()): Promise<ApiKeyInfo | null> {
    const row = await this.#activeRow(name);
    if (!row) return null;
    const revokedAt = now.toISOString();
    // Only if still active: of two processes revoking at once, one reports it.
    const changed = await this.#sql.run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [revokedAt, row.id]);
    return changed === 0 ? null : infoOf({ ...row, revoked_at: revokedAt }, now);
  }

  /** Changes the active key with this name (only the fields given); null if there is none. Its secret stays. */
  async update(name: string, changes: UpdateApiKeyOptions, now = new Date()): Promise<ApiKeyInfo | null> {
    const row = await this.#activeRow(name);
    if (!row) return null;
    const columns = settingColumns(changes);
    const names = Object.keys(columns) as (keyof KeyRow)[];
    if (names.length > 0) {
      const changed = await this.#sql.run(`UPDATE api_keys SET ${names.map((column) => `${column} = ?`).join(', ')} WHERE id = ? AND revoked_at IS NULL`, [...names.map((column) => columns[column]), row.id]);
      if (changed === 0) return null;
    }
    return infoOf({ ...row, ...columns }, now);
  }

  /**
   * Finds the key a bearer secret belongs to, by the (unique, indexed) hash of the secret: the lookup's timing can
   * only tell about a SHA-256 digest, which does not lead back to a secret, so no scan of every key per request.
   */
  async check(presented: string, now = new Date()): Promise<KeyCheck> {
    const [match] = await this.#sql.all<KeyRow>('SELECT * FROM api_keys WHERE key_hash = ?', [hashOf(presented).toString('hex')]);
    if (!match) return { ok: false, reason: 'unknown' };
    const key = infoOf(match, now);
    return key.status === 'active' ? { ok: true, key } : { ok: false, reason: key.status, key };
  }

  async #activeRow(name: string): Promise<KeyRow | undefined> {
    const [row] = await this.#sql.all<KeyRow>('SELECT * FROM api_keys WHERE name = ? AND revoked_at IS NULL', [name]);
    return row;
  }
}

/** The columns of the settings given (a setting left out gives no column): the one place API fields meet columns. */
function settingColumns(settings: UpdateApiKeyOptions): Partial<KeyRow> {
  const columns: Partial<KeyRow> = {};
  if (settings.models !== undefined) columns.models_json = settings.models === null ? null : JSON.stringify(settings.models);
  if (settings.rpm !== undefined) columns.rpm = settings.rpm;
  if (settings.tpm !== undefined) columns.tpm = settings.tpm;
  if (settings.concurrency !== undefined) columns.concurrency = settings.concurrency;
  if (settings.budget !== undefined) columns.budget = settings.budget;
  if (settings.period !== undefined) columns.budget_period = settings.period;
  if (settings.expiresAt !== undefined) columns.expires_at = settings.expiresAt;
  return columns;
}

function hashOf(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function statusOf(row: KeyRow, now: Date): ApiKeyStatus {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at !== null && Date.parse(row.expires_at) <= now.getTime()) return 'expired';
  return 'active';
}

function infoOf(row: KeyRow, now: Date): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    hint: row.key_hint,
    models: row.models_json === null ? null : (JSON.parse(row.models_json) as string[]),
    rpm: row.rpm,
    tpm: row.tpm,
    concurrency: row.concurrency,
    budget: row.budget,
    period: row.budget_period,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    status: statusOf(row, now),
  };
}
