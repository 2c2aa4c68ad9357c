// The serving panel's part of the store: endpoint health, API keys (with the one-time secret), usage, and the chat
// and completion playground. The actions are in serving-actions.ts and playground-actions.ts.
import type { ApiKeyInfo, CreatedApiKey, UsageReport } from '../../../app/protocol/serving-api.ts';
import type { EndpointClient, EndpointHealth } from '../serving/endpoint-client.ts';
import type { KeyDraft } from '../serving/key-draft.ts';
import type { StreamUsage } from '../serving/openai-stream.ts';

export type ServingTab = 'endpoints' | 'keys' | 'usage' | 'playground';
export type UsageMetric = 'cost' | 'tokens';

export interface UsageFilter {
  /** Key name; '' for every key. */
  key: string;
  /** First day shown, YYYY-MM-DD. */
  since: string;
}

export interface ServingSlice {
  /** Calls each endpoint through the engine's relay, so no endpoint needs this page in its "cors" list. */
  endpointClient: EndpointClient;
  servingTab: ServingTab;
  /** Service id → the last answer of its /health. */
  health: Record<string, EndpointHealth>;
  apiKeys: ApiKeyInfo[];
  keyDraft: KeyDraft;
  /** Problem with the draft, shown beside the form. */
  keyDraftProblem: string | null;
  /** The key whose settings the form is editing; null when the form creates a key. */
  editingKeyName: string | null;
  /** The key just created: its secret is shown once, until dismissed. */
  createdKey: CreatedApiKey | null;
  usage: UsageReport | null;
  usageFilter: UsageFilter;
  usageMetric: UsageMetric;

  /** Shows a sub-tab and loads what it shows (keys, usage, health). */
  showServingTab(tab: ServingTab): void;
  /** Loads the data of the sub-tab shown when the panel opens. */
  openServingPanel(): void;
  /** Asks every running endpoint's /health once. */
  pollHealth(): Promise<void>;
  /** Lists the engine's services again, then asks their /health. */
  refreshEndpoints(): Promise<void>;
  refreshApiKeys(): Promise<void>;
  setKeyDraft(patch: Partial<KeyDraft>): void;
  /** Creates a key from the draft; the secret stays in `createdKey` until dismissed. */
  createApiKey(): Promise<CreatedApiKey | null>;
  /** Loads an active key's settings into the form, which then saves instead of creating. */
  editApiKey(name: string): void;
  /** Leaves editing; the form creates keys again. */
  cancelKeyEdit(): void;
  /** Saves the form's settings to the key being edited (its secret stays). */
  saveApiKey(): Promise<boolean>;
  revokeApiKey(name: string): Promise<void>;
  dismissCreatedKey(): void;
  refreshUsage(): Promise<void>;
  setUsageFilter(patch: Partial<UsageFilter>): void;
  setUsageMetric(metric: UsageMetric): void;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface SamplingSettings {
  temperature: number;
  topP: number;
  maxTokens: number;
}

export interface PlaygroundState {
  /** The api-endpoint service to call; null picks the first running one. */
  serviceId: string | null;
  /** '' uses the endpoint's first model. */
  model: string;
  mode: 'chat' | 'completion';
  apiKey: string;
  systemPrompt: string;
  sampling: SamplingSettings;
  messages: ChatTurn[];
  /** The chat message being typed. */
  draft: string;
  prompt: string;
  completion: string;
  streaming: boolean;
  error: string | null;
  finishReason: string | null;
  usage: StreamUsage | null;
}

export interface PlaygroundSlice {
  playground: PlaygroundState;
  setPlayground(patch: Partial<Omit<PlaygroundState, 'sampling'>> & { sampling?: Partial<SamplingSettings> }): void;
  /** Creates a key for the playground's model that expires in an hour, and uses it. */
  createPlaygroundKey(): Promise<void>;
  /** Puts a key's secret into the playground and shows it. */
  tryKeyInPlayground(secret: string): void;
  /** Shows the playground pointed at this endpoint and its first model. */
  openInPlayground(serviceId: string): void;
  /** Sends the draft as the next user turn and streams the reply into the conversation. */
  sendChatMessage(): Promise<void>;
  /** Streams a completion of the prompt. */
  runCompletion(): Promise<void>;
  stopGeneration(): void;
  clearConversation(): void;
}
