// Store actions of the playground: chat (system prompt, conversation, sampling settings) and text completion,
// streamed from a running endpoint with an API key that is pasted or created for an hour. One stream at a time.
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import { callableEndpoints, modelsOf } from '../serving/served-endpoints.ts';
import type { GenerationCall } from '../serving/endpoint-client.ts';
import type { StreamOutcome } from '../serving/openai-stream.ts';
import { withEngine } from './engine-call.ts';
import type { PlaygroundSlice, PlaygroundState } from './serving-state.ts';
import type { GetState, SetState } from './slice-tools.ts';
import type { StudioState } from './studio-state.ts';

type PlaygroundActions = Omit<PlaygroundSlice, 'playground'>;

const PLAYGROUND_KEY_LIFETIME_MS = 60 * 60_000;

export const INITIAL_PLAYGROUND: PlaygroundState = {
  serviceId: null,
  model: '',
  mode: 'chat',
  apiKey: '',
  systemPrompt: '',
  sampling: { temperature: 0.8, topP: 1, maxTokens: 64 },
  messages: [],
  draft: '',
  prompt: '',
  completion: '',
  streaming: false,
  error: null,
  finishReason: null,
  usage: null,
};

export interface PlaygroundTarget {
  service: ServiceInfo & { url: string };
  model: string;
}

/** The endpoint and model the playground calls: the chosen ones, or the first running endpoint and its first model. */
export function playgroundTarget(state: Pick<StudioState, 'services' | 'playground'>): PlaygroundTarget | null {
  const endpoints = callableEndpoints(state.services);
  const service = endpoints.find((candidate) => candidate.id === state.playground.serviceId) ?? endpoints[0];
  if (!service) return null;
  const models = modelsOf(service);
  const model = models.includes(state.playground.model) ? state.playground.model : models[0]!;
  return { service, model };
}

export function createPlaygroundActions(set: SetState, get: GetState): PlaygroundActions {
  let running: AbortController | null = null;
  const update = (patch: Partial<PlaygroundState>) => set({ playground: { ...get().playground, ...patch } });

  /** Checks what a call needs; on a gap, says what to do in the playground's error line. */
  const readyTarget = (): PlaygroundTarget | null => {
    const { playground } = get();
    if (playground.streaming) return null;
    const target = playgroundTarget(get());
    if (!target) update({ error: 'No running API endpoint: run a pipeline that ends in deploy → api-endpoint, then come back here.' });
    else if (playground.apiKey.trim() === '') update({ error: 'An API key is needed: paste one, or press "Create a key for 1 hour".' });
    return target && playground.apiKey.trim() !== '' ? target : null;
  };

  /** Streams one generation; the outcome or error lands in the playground state. */
  const stream = async (call: Omit<GenerationCall, 'serviceId' | 'apiKey'>, target: PlaygroundTarget, onText: (text: string) => void): Promise<StreamOutcome | null> => {
    const controller = new AbortController();
    running = controller;
    const apiKey = get().playground.apiKey.trim();
    try {
      const outcome = await get().endpointClient.streamGeneration({ ...call, serviceId: target.service.id, apiKey }, onText, controller.signal);
      update({ streaming: false, finishReason: outcome.finishReason, usage: outcome.usage });
      return outcome;
    } catch (error) {
      const stopped = controller.signal.aborted;
      update({ streaming: false, finishReason: stopped ? 'stopped' : null, error: stopped ? null : (error as Error).message });
      return null;
    } finally {
      if (running === controller) running = null;
    }
  };

  const samplingBody = (target: PlaygroundTarget) => {
    const { sampling } = get().playground;
    return { model: target.model, temperature: sampling.temperature, top_p: sampling.topP, max_tokens: sampling.maxTokens };
  };

  return {
    setPlayground(patch) {
      const { playground } = get();
      set({ playground: { ...playground, ...patch, sampling: { ...playground.sampling, ...patch.sampling } } });
    },

    async createPlaygroundKey() {
      const target = playgroundTarget(get());
      const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
      const request = { name: `playground-${stamp}`, models: target ? [target.model] : null, expiresAt: new Date(Date.now() + PLAYGROUND_KEY_LIFETIME_MS).toISOString() };
      const created = await withEngine(get, 'create a playground key', (engine) => engine.createApiKey(request));
      if (!created) return;
      set({ apiKeys: [...get().apiKeys, created.info] });
      update({ apiKey: created.key, error: null });
    },

    tryKeyInPlayground(secret) {
      update({ apiKey: secret, error: null });
      get().showServingTab('playground');
    },

    openInPlayground(serviceId) {
      update({ serviceId, model: '', error: null });
      get().showServingTab('playground');
    },

    async sendChatMessage() {
      const text = get().playground.draft.trim();
      if (text === '') return;
      const target = readyTarget();
      if (!target) return;
      const { systemPrompt, messages } = get().playground;
      const history = [...messages, { role: 'user' as const, content: text }];
      update({ messages: [...history, { role: 'assistant', content: '' }], draft: '', streaming: true, error: null, finishReason: null, usage: null });
      const system = systemPrompt.trim() === '' ? [] : [{ role: 'system', content: systemPrompt }];
      const appendToReply = (piece: string) => {
        const current = get().playground.messages;
        const last = current.at(-1)!;
        update({ messages: [...current.slice(0, -1), { ...last, content: last.content + piece }] });
      };
      const outcome = await stream({ kind: 'chat', body: { ...samplingBody(target), messages: [...system, ...history] } }, target, appendToReply);
      // A reply that never started is dropped, so the conversation does not show an empty assistant turn.
      const after = get().playground.messages;
      if (!outcome && after.at(-1)?.content === '') update({ messages: after.slice(0, -1) });
    },

    async runCompletion() {
      const { prompt } = get().playground;
      if (prompt === '') return;
      const target = readyTarget();
      if (!target) return;
      update({ completion: '', streaming: true, error: null, finishReason: null, usage: null });
      await stream({ kind: 'completion', body: { ...samplingBody(target), prompt } }, target, (piece) => update({ completion: get().playground.completion + piece }));
    },

    stopGeneration() {
      running?.abort();
    },

    clearConversation() {
      running?.abort();
      update({ messages: [], completion: '', error: null, finishReason: null, usage: null });
    },
  };
}
