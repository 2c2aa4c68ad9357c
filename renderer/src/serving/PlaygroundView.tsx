// The playground: pick an endpoint and model, paste or create an API key, set the system prompt and sampling, then
// chat or complete a prompt with the reply streaming in. The calls and their state live in the store.
import { playgroundTarget } from '../store/playground-actions.ts';
import { useStudio } from '../store/store-context.tsx';
import { callableEndpoints, modelsOf } from './served-endpoints.ts';

function TargetSettings() {
  const services = useStudio((state) => state.services);
  const playground = useStudio((state) => state.playground);
  const setPlayground = useStudio((state) => state.setPlayground);
  const createPlaygroundKey = useStudio((state) => state.createPlaygroundKey);
  const target = playgroundTarget({ services, playground });
  const endpoints = callableEndpoints(services);
  return (
    <div className="playground-settings">
      <label>
        endpoint
        <select value={target?.service.id ?? ''} onChange={(event) => setPlayground({ serviceId: event.target.value, model: '' })}>
          {endpoints.length === 0 && <option value="">no running endpoint</option>}
          {endpoints.map((service) => (
            <option key={service.id} value={service.id}>
              {service.name} — {service.url}
            </option>
          ))}
        </select>
      </label>
      <label>
        model
        <select value={target?.model ?? ''} onChange={(event) => setPlayground({ model: event.target.value })}>
          {(target ? modelsOf(target.service) : []).map((model) => (
            <option key={model}>{model}</option>
          ))}
        </select>
      </label>
      <label>
        API key
        <input type="password" autoComplete="off" placeholder="sk-…" value={playground.apiKey} onChange={(event) => setPlayground({ apiKey: event.target.value })} />
      </label>
      <button type="button" onClick={() => void createPlaygroundKey()} disabled={!target}>
        Create a key for 1 hour
      </button>
      <SamplingSettings />
    </div>
  );
}

function SamplingSettings() {
  const sampling = useStudio((state) => state.playground.sampling);
  const setPlayground = useStudio((state) => state.setPlayground);
  const number = (text: string, fallback: number) => (text.trim() === '' || Number.isNaN(Number(text)) ? fallback : Number(text));
  return (
    <div className="sampling">
      <label>
        temperature
        <input type="number" min={0} max={2} step={0.1} value={sampling.temperature} onChange={(event) => setPlayground({ sampling: { temperature: number(event.target.value, sampling.temperature) } })} />
      </label>
      <label>
        top_p
        <input type="number" min={0.01} max={1} step={0.05} value={sampling.topP} onChange={(event) => setPlayground({ sampling: { topP: number(event.target.value, sampling.topP) } })} />
      </label>
      <label>
        max_tokens
        <input type="number" min={1} step={1} value={sampling.maxTokens} onChange={(event) => setPlayground({ sampling: { maxTokens: number(event.target.value, sampling.maxTokens) } })} />
      </label>
    </div>
  );
}

function ChatPane() {
  const messages = useStudio((state) => state.playground.messages);
  const draft = useStudio((state) => state.playground.draft);
  const systemPrompt = useStudio((state) => state.playground.systemPrompt);
  const streaming = useStudio((state) => state.playground.streaming);
  const setPlayground = useStudio((state) => state.setPlayground);
  const sendChatMessage = useStudio((state) => state.sendChatMessage);
  return (
    <>
      <input aria-label="System prompt" className="system-prompt" placeholder="System prompt (optional)" value={systemPrompt} onChange={(event) => setPlayground({ systemPrompt: event.target.value })} />
      <ol className="chat-log" aria-live="polite">
        {messages.map((message, index) => (
          <li key={index} className={`chat-${message.role}`} data-role={message.role}>
            <strong>{message.role}</strong> <span className="chat-text">{message.content}</span>
          </li>
        ))}
      </ol>
      <form
        className="chat-input"
        onSubmit={(event) => {
          event.preventDefault();
          void sendChatMessage();
        }}
      >
        <input aria-label="Message" placeholder="Say something to the model" value={draft} onChange={(event) => setPlayground({ draft: event.target.value })} disabled={streaming} />
        <button type="submit" disabled={streaming || draft.trim() === ''}>
          Send
        </button>
      </form>
    </>
  );
}

function CompletionPane() {
  const prompt = useStudio((state) => state.playground.prompt);
  const completion = useStudio((state) => state.playground.completion);
  const streaming = useStudio((state) => state.playground.streaming);
  const setPlayground = useStudio((state) => state.setPlayground);
  const runCompletion = useStudio((state) => state.runCompletion);
  return (
    <div className="completion">
      <textarea aria-label="Prompt" rows={3} placeholder="Text for the model to continue" value={prompt} onChange={(event) => setPlayground({ prompt: event.target.value })} />
      <button type="button" onClick={() => void runCompletion()} disabled={streaming || prompt === ''}>
        Complete
      </button>
      <pre className="completion-output">
        {prompt && completion ? <span className="muted">{prompt}</span> : null}
        {completion}
      </pre>
    </div>
  );
}

function StreamStatus() {
  const { streaming, error, finishReason, usage } = useStudio((state) => state.playground);
  const stopGeneration = useStudio((state) => state.stopGeneration);
  const clearConversation = useStudio((state) => state.clearConversation);
  return (
    <div className="stream-status">
      {streaming ? (
        <button type="button" onClick={stopGeneration}>
          Stop
        </button>
      ) : (
        <button type="button" onClick={clearConversation}>
          Clear
        </button>
      )}
      {error && <span className="field-error" role="alert">{error}</span>}
      {!error && finishReason && (
        <span className="muted" data-finish={finishReason}>
          finished: {finishReason}
          {usage ? ` — ${usage.promptTokens} prompt + ${usage.completionTokens} completion tokens` : ''}
        </span>
      )}
    </div>
  );
}

export function PlaygroundView() {
  const mode = useStudio((state) => state.playground.mode);
  const setPlayground = useStudio((state) => state.setPlayground);
  return (
    <div className="playground">
      <TargetSettings />
      <div className="playground-main">
        <div role="radiogroup" aria-label="Playground mode" className="playground-modes">
          {(['chat', 'completion'] as const).map((candidate) => (
            <button key={candidate} type="button" role="radio" aria-checked={mode === candidate} onClick={() => setPlayground({ mode: candidate })}>
              {candidate === 'chat' ? 'Chat' : 'Completion'}
            </button>
          ))}
        </div>
        {mode === 'chat' ? <ChatPane /> : <CompletionPane />}
        <StreamStatus />
      </div>
    </div>
  );
}
