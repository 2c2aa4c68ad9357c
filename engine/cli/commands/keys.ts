// `crucible keys create|list|update|revoke [--store URL]`: the API keys api-endpoints check. A new key's secret is
// printed once and never stored; only its hash is kept, in the data directory's database or the shared store that
// --store (or CRUCIBLE_STORE_URL) names.
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { createApiKeyRequestSchema, updateApiKeyRequestSchema, type ApiKeyInfo } from '../../../app/protocol/serving-api.ts';
import { describeZodIssues } from '../../../app/graph/zod-issues.ts';
import { KeyNameTakenError } from '../../endpoint/store/key-store.ts';
import type { ServingStore } from '../../endpoint/store/serving-store.ts';
import { openCliStore, STORE_OPTIONS } from './serving-store-flags.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';

/** The flags that set a key's scope, limits, budget and expiry; `create` adds --name, `update` takes the NAME. */
const SETTING_OPTIONS = {
  models: { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  concurrency: { type: 'string' },
  budget: { type: 'string' },
  period: { type: 'string' },
  expires: { type: 'string' },
  json: { type: 'boolean' },
  ...STORE_OPTIONS,
} as const;

export async function keysCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'create') return createKey(rest, io);
  if (action === 'list') return listKeys(rest, io);
  if (action === 'update') return updateKey(rest, io);
  if (action === 'revoke') return revokeKey(rest, io);
  throw new UsageError(action === undefined ? 'keys needs an action: create, list, update or revoke' : `unknown keys action "${action}"; use create, list, update or revoke`);
}

function createKey(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { name: { type: 'string' }, ...SETTING_OPTIONS }, strict: true });
  const request = {
    name: values.name,
    models: values.models === undefined ? null : modelsFlag(values.models),
    rpm: numberFlag(values.rpm, '--rpm'),
    tpm: numberFlag(values.tpm, '--tpm'),
    concurrency: numberFlag(values.concurrency, '--concurrency'),
    budget: numberFlag(values.budget, '--budget'),
    period: values.period ?? null,
    expiresAt: values.expires ?? null,
  };
  const options = parseOrExplain(createApiKeyRequestSchema, request, 'keys create');
  return withStore(values, io, async (store) => {
    const created = await store.keys.create(options).catch((error: unknown) => {
      // An expected refusal: one line saying what to do, as revoke and update say of an unknown name.
      if (error instanceof KeyNameTakenError) return null;
      throw error;
    });
    if (!created) {
      io.stderr.write(`keys create: an active key named "${options.name}" already exists; pick another --name, or revoke it first with "crucible keys revoke ${options.name}"\n`);
      return EXIT.failed;
    }
    if (values.json) io.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
    else {
      io.stdout.write(`Created API key "${created.info.name}" (${created.info.id}). Copy it now; it will not be shown again:\n\n  ${created.key}\n\n`);
    }
    return EXIT.ok;
  });
}

function listKeys(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, ...STORE_OPTIONS }, strict: true });
  return withStore(values, io, async (store) => {
    const keys = await store.keys.list();
    if (values.json) io.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
    else if (keys.length === 0) io.stdout.write('no API keys yet; create one with "crucible keys create --name NAME"\n');
    else for (const key of keys) io.stdout.write(`${describeKey(key)}\n`);
    return EXIT.ok;
  });
}

/** `keys update NAME`: only the flags given change; "all", "default", "none" and "never" clear a field. */
function updateKey(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: SETTING_OPTIONS, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('keys update needs the NAME of one key, then the flags to change (--models, --rpm, --tpm, --concurrency, --budget with --period, --expires)');
  const clearable = <T>(text: string | undefined, clearWord: string, parse: (text: string) => T): T | null | undefined =>
    text === undefined ? undefined : text === clearWord ? null : parse(text);
  const request = Object.fromEntries(
    Object.entries({
      models: clearable(values.models, 'all', modelsFlag),
      rpm: clearable(values.rpm, 'default', (text) => numberFlag(text, '--rpm')),
      tpm: clearable(values.tpm, 'default', (text) => numberFlag(text, '--tpm')),
      concurrency: clearable(values.concurrency, 'default', (text) => numberFlag(text, '--concurrency')),
      budget: clearable(values.budget, 'none', (text) => numberFlag(text, '--budget')),
      period: clearable(values.period, 'none', (text) => text),
      expiresAt: clearable(values.expires, 'never', (text) => text),
    }).filter(([, value]) => value !== undefined),
  );
  const changes = parseOrExplain(updateApiKeyRequestSchema, request, 'keys update');
  return withStore(values, io, async (store) => {
    const updated = await store.keys.update(positionals[0]!, changes);
    if (!updated) {
      io.stderr.write(`keys update: no active key named "${positionals[0]}"; see "crucible keys list"\n`);
      return EXIT.failed;
    }
    if (values.json) io.stdout.write(`${JSON.stringify(updated, null, 2)}\n`);
    else io.stdout.write(`Updated API key "${updated.name}"; its secret is unchanged and the new settings apply from the next request:\n${describeKey(updated)}\n`);
    return EXIT.ok;
  });
}

function revokeKey(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: STORE_OPTIONS, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('keys revoke needs the NAME of one key');
  return withStore(values, io, async (store) => {
    const revoked = await store.keys.revoke(positionals[0]!);
    if (!revoked) {
      io.stderr.write(`keys revoke: no active key named "${positionals[0]}"; see "crucible keys list"\n`);
      return EXIT.failed;
    }
    io.stdout.write(`Revoked API key "${revoked.name}" (${revoked.hint}); requests with it now get 401.\n`);
    return EXIT.ok;
  });
}

async function withStore(flags: { store?: string; 'data-dir'?: string }, io: CliIo, use: (store: ServingStore) => Promise<number>): Promise<number> {
  const store = await openCliStore(flags, io, 'keys');
  if (!store) return EXIT.failed;
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

function numberFlag(text: string | undefined, flag: string): number | null {
  if (text === undefined) return null;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag} must be a number, got "${text}"`);
  return value;
}

function modelsFlag(text: string): string[] {
  return text.split(',').map((model) => model.trim()).filter(Boolean);
}

/** The request as the engine's schema reads it, or a usage error naming each bad flag. */
function parseOrExplain<Schema extends z.ZodType>(schema: Schema, request: Record<string, unknown>, command: string): z.output<Schema> {
  const parsed = schema.safeParse(request);
  if (parsed.success) return parsed.data;
  const details = describeZodIssues(parsed.error, request).map((issue) => `${flagFor(issue.field)}: ${issue.message}`);
  throw new UsageError(`${command}: ${details.join('; ')}`);
}

function flagFor(field: string): string {
  return field === 'expiresAt' ? '--expires' : field ? `--${field}` : 'options';
}

function describeKey(key: ApiKeyInfo): string {
  const limits = [key.rpm !== null && `rpm ${key.rpm}`, key.tpm !== null && `tpm ${key.tpm}`, key.concurrency !== null && `concurrency ${key.concurrency}`].filter(Boolean);
  const parts = [
    key.name.padEnd(20),
    key.status.padEnd(8),
    key.hint,
    `models: ${key.models?.join(',') ?? 'all'}`,
    limits.length > 0 ? limits.join(', ') : 'default limits',
    key.budget !== null ? `budget ${key.budget}/${key.period}` : 'no budget',
    key.expiresAt ? `expires ${key.expiresAt}` : 'no expiry',
  ];
  return parts.join('  ');
}
