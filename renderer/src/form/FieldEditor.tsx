// One generated form field: the widget for its kind, its description as help, its range, inline validation
// messages, a marker when it holds the default and a reset button when it does not. Groups nest fields.
import { useState, type ReactNode } from 'react';
import type { ConfiguredFormat } from '../../../app/datasets/file-format.ts';
import { getDesktopApi } from '../desktop/desktop-api.ts';
import { valueAt, type ConfigPath } from '../graph/config-path.ts';
import { useStudio } from '../store/store-context.tsx';
import { describeRange, isAtDefault, parseNumberInput, type FieldDescriptor } from './schema-fields.ts';
import { SourcesEditor } from './SourcesEditor.tsx';

export interface FieldMessage {
  field: string;
  message: string;
  /** Shown, but the field stays valid (e.g. a dataset source outside the pipeline's folder). */
  warning?: boolean;
}

interface FieldProps {
  nodeId: string;
  field: FieldDescriptor;
  /** The node's config as stored (fields may be missing: they then hold their default). */
  config: Record<string, unknown>;
  messages: readonly FieldMessage[];
}

/** The dataset's `format` beside its sources (auto when unset or unknown), which decides how each source is read. */
const configuredFormatOf = (config: Record<string, unknown>): ConfiguredFormat => {
  const format = config.format;
  return format === 'text' || format === 'jsonl' || format === 'csv' || format === 'parquet' ? format : 'auto';
};
const inputId = (nodeId: string, path: ConfigPath) => `field-${nodeId}-${path.join('-')}`;
const formatDefault = (value: unknown) => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value));

function messagesFor(messages: readonly FieldMessage[], path: readonly string[], exact: boolean): FieldMessage[] {
  const key = path.join('.');
  return messages.filter((message) => message.field === key || (!exact && message.field.startsWith(`${key}.`)));
}

function NumberInput({ id, field, value, onValue, onLocalProblem }: { id: string; field: Extract<FieldDescriptor, { kind: 'number' | 'integer' }>; value: unknown; onValue: (value: number | null | undefined) => void; onLocalProblem: (message: string | null) => void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? (typeof value === 'number' ? String(value) : '');
  return (
    <input
      id={id}
      type="text"
      inputMode="decimal"
      value={shown}
      onChange={(event) => {
        setDraft(event.target.value);
        if (event.target.value.trim() === '' && field.whenEmpty !== undefined) {
          // An optional or nullable field: empty is a value ("Empty: …" in its help), not a typing mistake.
          onLocalProblem(null);
          onValue(field.whenEmpty === 'null' ? null : undefined);
          return;
        }
        const parsed = parseNumberInput(event.target.value, field.kind);
        onLocalProblem(parsed.ok ? null : parsed.message);
        if (parsed.ok) onValue(parsed.value);
      }}
      onBlur={() => {
        setDraft(null);
        onLocalProblem(null);
      }}
    />
  );
}

function ListInput({ id, value, onValue }: { id: string; value: unknown; onValue: (value: string[]) => void }) {
  const lines = Array.isArray(value) ? value.map(String).join('\n') : '';
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <textarea
      id={id}
      rows={3}
      value={draft ?? lines}
      onChange={(event) => {
        setDraft(event.target.value);
        onValue(event.target.value.split('\n').filter((line) => line !== ''));
      }}
      onBlur={() => setDraft(null)}
      placeholder="one per line"
    />
  );
}

function JsonInput({ id, value, onValue, onLocalProblem }: { id: string; value: unknown; onValue: (value: unknown) => void; onLocalProblem: (message: string | null) => void }) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <textarea
      id={id}
      className="json-input"
      rows={Math.min(10, Math.max(3, JSON.stringify(value ?? null, null, 2).split('\n').length))}
      value={draft ?? JSON.stringify(value ?? null, null, 2)}
      spellCheck={false}
      onChange={(event) => {
        setDraft(event.target.value);
        try {
          onValue(JSON.parse(event.target.value));
          onLocalProblem(null);
        } catch (error) {
          onLocalProblem(`not valid JSON: ${(error as Error).message}`);
        }
      }}
      onBlur={() => setDraft(null)}
    />
  );
}

/** A path typed in, or picked with the desktop app's native dialog (a browser cannot hand out file paths). */
function PathInput({ id, value, onValue }: { id: string; value: unknown; onValue: (value: string) => void }) {
  const desktop = getDesktopApi();
  const browse = async () => {
    const picked = await desktop?.pickPath({ kind: 'file', title: 'Choose a file' });
    if (picked) onValue(picked);
  };
  return (
    <span className="path-input">
      <input id={id} type="text" value={typeof value === 'string' ? value : ''} placeholder="path, relative to the pipeline file" onChange={(event) => onValue(event.target.value)} />
      {desktop && (
        <button type="button" onClick={() => void browse()}>
          Browse…
        </button>
      )}
    </span>
  );
}

function widgetFor(id: string, field: FieldDescriptor, value: unknown, onValue: (value: unknown) => void, onLocalProblem: (message: string | null) => void): ReactNode {
  switch (field.kind) {
    case 'integer':
    case 'number':
      return <NumberInput id={id} field={field} value={value} onValue={onValue} onLocalProblem={onLocalProblem} />;
    case 'boolean':
      return <input id={id} type="checkbox" checked={value === true} onChange={(event) => onValue(event.target.checked)} />;
    case 'enum':
      return (
        <select id={id} value={JSON.stringify(value)} onChange={(event) => onValue(JSON.parse(event.target.value))}>
          {field.options.map((option) => (
            <option key={String(option)} value={JSON.stringify(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      );
    case 'string':
      return <input id={id} type="text" value={typeof value === 'string' ? value : ''} maxLength={field.maxLength} onChange={(event) => onValue(event.target.value)} />;
    case 'path':
      return <PathInput id={id} value={value} onValue={onValue} />;
    case 'string-list':
      return <ListInput id={id} value={value} onValue={onValue} />;
    case 'sources':
    case 'json':
    case 'group':
      return <JsonInput id={id} value={value} onValue={onValue} onLocalProblem={onLocalProblem} />;
  }
}

export function FieldEditor({ nodeId, field, config, messages }: FieldProps) {
  const setConfigField = useStudio((state) => state.setConfigField);
  const resetConfigField = useStudio((state) => state.resetConfigField);
  const [localProblem, setLocalProblem] = useState<string | null>(null);
  const stored = valueAt(config, field.path);
  const value = stored === undefined ? field.defaultValue : stored;
  const atDefault = isAtDefault(stored, field.defaultValue);
  const id = inputId(nodeId, field.path);
  const reset = atDefault ? null : (
    <button type="button" className="field-reset" onClick={() => resetConfigField(nodeId, field.path)} title={`Reset to the default, ${formatDefault(field.defaultValue)}`} aria-label={`Reset ${field.key} to its default`}>
      ↺
    </button>
  );

  if (field.kind === 'group') {
    return (
      <fieldset className="field-group" data-field={field.path.join('.')}>
        <legend>
          {field.key}
          {reset}
        </legend>
        {field.description && <p className="field-help">{field.description}</p>}
        {messagesFor(messages, field.path, true).map((message) => (
          <p key={message.message} className={message.warning ? 'field-warning' : 'field-error'} role="alert">{message.message}</p>
        ))}
        {field.fields.map((child) => (
          <FieldEditor key={child.key} nodeId={nodeId} field={child} config={config} messages={messages} />
        ))}
      </fieldset>
    );
  }

  const all = messagesFor(messages, field.path, false);
  // A source's own messages (sources.2.path) show in its row; the field keeps those about the list as a whole.
  const own = field.kind === 'sources' ? messagesFor(messages, field.path, true) : all;
  const invalid = localProblem !== null || all.some((message) => !message.warning);
  const errors = [...(localProblem ? [localProblem] : []), ...own.filter((message) => !message.warning).map((message) => message.message)];
  const warnings = own.filter((message) => message.warning).map((message) => message.message);
  const range = field.kind === 'number' || field.kind === 'integer' ? describeRange(field) : '';
  return (
    <div className={`field field-${field.kind}${atDefault ? ' at-default' : ''}${invalid ? ' invalid' : ''}`} data-field={field.path.join('.')}>
      <div className="field-head">
        <label htmlFor={id}>{field.key}</label>
        {atDefault ? <span className="default-marker" title="This field holds its default value">default</span> : reset}
      </div>
      {field.kind === 'sources' ? (
        <SourcesEditor id={id} value={value} configuredFormat={configuredFormatOf(config)} messages={all} onValue={(next) => setConfigField(nodeId, field.path, next)} />
      ) : (
        widgetFor(id, field, value, (next) => setConfigField(nodeId, field.path, next), setLocalProblem)
      )}
      <p className="field-help">
        {field.description}
        {range && <span className="field-range"> Range: {range}.</span>}
      </p>
      {errors.map((message) => (
        <p key={message} className="field-error" role="alert">
          {message}
        </p>
      ))}
      {warnings.map((message) => (
        <p key={message} className="field-warning" role="status">
          {message}
        </p>
      ))}
    </div>
  );
}
