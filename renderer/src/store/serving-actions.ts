// Store actions of the serving panel: the health light of each running endpoint (its /health, through the engine),
// API keys through the engine (the secret kept only until dismissed), and usage reports.
import { callableEndpoints } from '../serving/served-endpoints.ts';
import { draftFromKey, EMPTY_KEY_DRAFT, keyRequestFromDraft, keyUpdateFromDraft } from '../serving/key-draft.ts';
import { withEngine } from './engine-call.ts';
import type { ServingSlice } from './serving-state.ts';
import type { GetState, SetState } from './slice-tools.ts';

type ServingActions = Pick<
  ServingSlice,
  | 'showServingTab'
  | 'openServingPanel'
  | 'pollHealth'
  | 'refreshEndpoints'
  | 'refreshApiKeys'
  | 'setKeyDraft'
  | 'createApiKey'
  | 'editApiKey'
  | 'cancelKeyEdit'
  | 'saveApiKey'
  | 'revokeApiKey'
  | 'dismissCreatedKey'
  | 'refreshUsage'
  | 'setUsageFilter'
  | 'setUsageMetric'
>;

const USAGE_DAYS_DEFAULT = 30;

/** The first day of the default usage window, YYYY-MM-DD (UTC, as the engine's days are). */
export function defaultUsageSince(today: Date = new Date()): string {
  return new Date(today.getTime() - (USAGE_DAYS_DEFAULT - 1) * 86_400_000).toISOString().slice(0, 10);
}

export function createServingActions(set: SetState, get: GetState): ServingActions {
  return {
    showServingTab(tab) {
      set({ servingTab: tab });
      if (tab === 'keys' || tab === 'playground') void get().refreshApiKeys();
      if (tab === 'usage') void get().refreshUsage();
      if (tab === 'endpoints') void get().pollHealth();
    },

    openServingPanel() {
      get().showServingTab(get().servingTab);
    },

    async pollHealth() {
      const { services, endpointClient } = get();
      const endpoints = callableEndpoints(services);
      const answers = await Promise.all(endpoints.map(async (service) => [service.id, await endpointClient.health(service.id)] as const));
      // Only services still listed keep a light; a stopped one's last answer would mislead.
      const listed = new Set(get().services.map((service) => service.id));
      const health = Object.fromEntries(Object.entries(get().health).filter(([id]) => listed.has(id)));
      for (const [id, answer] of answers) if (listed.has(id)) health[id] = answer;
      set({ health });
    },

    async refreshEndpoints() {
      await get().refreshServices();
      await get().pollHealth();
    },

    async refreshApiKeys() {
      const engine = get().engine;
      if (!engine) return;
      const keys = await engine.listApiKeys().catch(() => null);
      if (keys) set({ apiKeys: keys });
    },

    setKeyDraft(patch) {
      set({ keyDraft: { ...get().keyDraft, ...patch }, keyDraftProblem: null });
    },

    async createApiKey() {
      const checked = keyRequestFromDraft(get().keyDraft);
      if (!checked.ok) {
        set({ keyDraftProblem: checked.message });
        return null;
      }
      const created = await withEngine(get, `create the API key "${checked.request.name}"`, (engine) => engine.createApiKey(checked.request));
      if (!created) return null;
      set({ createdKey: created, keyDraft: EMPTY_KEY_DRAFT, keyDraftProblem: null, apiKeys: [...get().apiKeys.filter((key) => key.name !== created.info.name), created.info] });
      return created;
    },

    editApiKey(name) {
      const key = get().apiKeys.find((candidate) => candidate.name === name && candidate.status === 'active');
      if (key) set({ editingKeyName: name, keyDraft: draftFromKey(key), keyDraftProblem: null });
    },

    cancelKeyEdit() {
      set({ editingKeyName: null, keyDraft: EMPTY_KEY_DRAFT, keyDraftProblem: null });
    },

    async saveApiKey() {
      const name = get().editingKeyName;
      if (name === null) return false;
      const checked = keyUpdateFromDraft(get().keyDraft);
      if (!checked.ok) {
        set({ keyDraftProblem: checked.message });
        return false;
      }
      const updated = await withEngine(get, `update the API key "${name}"`, (engine) => engine.updateApiKey(name, checked.changes));
      if (!updated) return false;
      set({ editingKeyName: null, keyDraft: EMPTY_KEY_DRAFT, keyDraftProblem: null, apiKeys: get().apiKeys.map((key) => (key.id === updated.id ? updated : key)) });
      get().notify('info', `API key "${name}" updated: its secret is unchanged, and the new settings apply from its next request`);
      return true;
    },

    async revokeApiKey(name) {
      const revoked = await withEngine(get, `revoke the API key "${name}"`, (engine) => engine.revokeApiKey(name));
      if (!revoked) return;
      set({ apiKeys: get().apiKeys.map((key) => (key.id === revoked.id ? revoked : key)) });
      if (get().editingKeyName === name) get().cancelKeyEdit();
      get().notify('info', `API key "${name}" revoked: requests with it now get 401`);
    },

    dismissCreatedKey() {
      set({ createdKey: null });
    },

    async refreshUsage() {
      const { key, since } = get().usageFilter;
      const report = await withEngine(get, 'load the usage report', (engine) => engine.usage({ key: key || undefined, since: since || undefined }));
      if (report) set({ usage: report });
    },

    setUsageFilter(patch) {
      set({ usageFilter: { ...get().usageFilter, ...patch } });
      void get().refreshUsage();
    },

    setUsageMetric(metric) {
      set({ usageMetric: metric });
    },
  };
}
