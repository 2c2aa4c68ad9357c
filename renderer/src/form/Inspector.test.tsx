// @vitest-environment jsdom
// The generated inspector form in a DOM: widgets per field kind with help text, edits reaching the store, inline
// messages as you type, default markers with per-field reset, nested groups, derived facts for pretrain, the facts
// a model node's output recorded in the run shown, and a placeholder for a misspelt type naming the type it meant.
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioStoreProvider } from '../store/store-context.tsx';
import { createTestStore } from '../store/testing/test-store.ts';
import { Inspector } from './Inspector.tsx';

afterEach(cleanup);

function inspect(type: string) {
  const store = createTestStore();
  const id = store.getState().addNode(type)!;
  const view = render(
    <StudioStoreProvider store={store}>
      <Inspector />
    </StudioStoreProvider>,
  );
  const field = (path: string) => view.container.querySelector<HTMLElement>(`[data-field="${path}"]`)!;
  const config = () => store.getState().doc.nodes.find((node) => node.id === id)!.config;
  return { store, id, view, field, config };
}

describe('Inspector form', () => {
  it('draws a widget per field kind, with the description as help and the range', () => {
    const { field } = inspect('pretrain');
    expect(within(field('nLayer')).getByLabelText('nLayer')).toHaveProperty('value', '4');
    expect(field('nLayer').textContent).toContain('Transformer blocks.');
    expect(field('nLayer').textContent).toContain('Range: 1 – 128.');
    const device = within(field('device')).getByLabelText('device') as HTMLSelectElement;
    expect(Array.from(device.options).map((option) => option.textContent)).toEqual(['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml']);
    expect(within(field('bias')).getByLabelText('bias')).toHaveProperty('checked', true);
  });

  it('sends typed numbers to the store and shows range problems inline as you type', () => {
    const { field, config } = inspect('pretrain');
    const input = within(field('nLayer')).getByLabelText('nLayer');
    fireEvent.change(input, { target: { value: '6' } });
    expect(config().nLayer).toBe(6);
    expect(field('nLayer').querySelector('.field-error')).toBeNull();
    fireEvent.change(input, { target: { value: '999' } });
    expect(config().nLayer).toBe(999);
    expect(within(field('nLayer')).getByRole('alert').textContent).toBe('999 is too big: must be at most 128');
    fireEvent.change(input, { target: { value: 'six' } });
    expect(config().nLayer).toBe(999);
    expect(within(field('nLayer')).getAllByRole('alert')[0]!.textContent).toBe('enter a number');
  });

  it('empties an optional number (left out) and a nullable one (null), as their help says they may be', () => {
    const pretrain = inspect('pretrain');
    fireEvent.change(within(pretrain.field('architecture')).getByLabelText('architecture'), { target: { value: JSON.stringify('llama') } });
    const heads = within(pretrain.field('nKvHead')).getByLabelText('nKvHead');
    fireEvent.change(heads, { target: { value: '2' } });
    expect(pretrain.config().nKvHead).toBe(2);
    fireEvent.change(heads, { target: { value: '' } });
    fireEvent.blur(heads);
    expect(pretrain.config().nKvHead).toBeUndefined();
    expect(heads).toHaveProperty('value', '');
    expect(pretrain.field('nKvHead').textContent).not.toContain('enter a number');
    cleanup();
    const deploy = inspect('deploy');
    const length = within(deploy.field('defaults.maxTokens')).getByLabelText('maxTokens');
    fireEvent.change(length, { target: { value: '64' } });
    expect((deploy.config().defaults as Record<string, unknown>).maxTokens).toBe(64);
    fireEvent.change(length, { target: { value: ' ' } });
    fireEvent.blur(length);
    expect((deploy.config().defaults as Record<string, unknown>).maxTokens).toBeNull();
    // A number with a default still needs one.
    const layers = within(inspect('pretrain').field('nLayer')).getByLabelText('nLayer');
    fireEvent.change(layers, { target: { value: '' } });
    expect(document.body.textContent).toContain('enter a number');
  });

  it('shows cross-field problems on the field they name', () => {
    const { field } = inspect('pretrain');
    fireEvent.change(within(field('nEmbd')).getByLabelText('nEmbd'), { target: { value: '130' } });
    expect(within(field('nEmbd')).getByRole('alert').textContent).toBe('130 must be divisible by nHead (4)');
  });

  it('shows a warning from the engine under its field without marking the field invalid', () => {
    const { store, id, field } = inspect('dataset');
    act(() => store.getState().setConfigField(id, ['sources'], [{ path: '/etc/passwd' }]));
    const doc = store.getState().doc;
    act(() => store.setState({ machineCheck: { doc, problems: [{ node: id, field: 'sources.0.path', code: 'source_outside_project', severity: 'warning', message: '"/etc/passwd" is outside the pipeline\'s folder' }] } }));
    expect(field('sources').querySelector('.field-warning')?.textContent).toBe('"/etc/passwd" is outside the pipeline\'s folder');
    expect(field('sources').classList.contains('invalid')).toBe(false);
  });

  it('marks fields at their default, and resets a changed field', () => {
    const { field, config } = inspect('pretrain');
    expect(field('maxSteps').querySelector('.default-marker')).not.toBeNull();
    fireEvent.change(within(field('maxSteps')).getByLabelText('maxSteps'), { target: { value: '20' } });
    expect(field('maxSteps').querySelector('.default-marker')).toBeNull();
    fireEvent.click(screen.getByLabelText('Reset maxSteps to its default'));
    expect(config().maxSteps).toBe(2000);
    expect(field('maxSteps').querySelector('.default-marker')).not.toBeNull();
  });

  it('nests object fields as a group whose fields edit the nested value', () => {
    const { field, config } = inspect('deploy');
    expect(field('defaults').tagName).toBe('FIELDSET');
    const topP = within(field('defaults.topP')).getByLabelText('topP');
    fireEvent.change(topP, { target: { value: '0.9' } });
    expect(config().defaults).toEqual({ temperature: 0.8, topP: 0.9, topK: 200, maxTokens: null });
  });

  it('edits enums of numbers as numbers, and booleans as booleans', () => {
    const { field, config } = inspect('quantize');
    fireEvent.change(within(field('blockSize')).getByLabelText('blockSize'), { target: { value: '128' } });
    fireEvent.click(within(field('symmetric')).getByLabelText('symmetric'));
    expect(config()).toMatchObject({ blockSize: 128, symmetric: false });
  });

  it('shows the parameter count and memory estimate for a pretrain node', () => {
    const { view } = inspect('pretrain');
    const facts = within(view.getByLabelText('Derived facts'));
    expect(facts.getByText('Parameters')).toBeTruthy();
    expect(facts.getByText('Training memory')).toBeTruthy();
  });

  it('undoes a run of typing in one field as one step', () => {
    const { field, config, store } = inspect('pretrain');
    const input = within(field('maxSteps')).getByLabelText('maxSteps');
    for (const text of ['1', '10', '100']) fireEvent.change(input, { target: { value: text } });
    store.getState().undo();
    expect(config().maxSteps).toBe(2000);
  });

  it("shows a model node's source before a run and the facts its output recorded in the run shown", () => {
    const { store, id, view } = inspect('model');
    act(() => store.getState().setConfigField(id, ['path'], 'models/gpt2'));
    expect(within(view.getByLabelText('Derived facts')).getByText('local folder')).toBeTruthy();
    expect(view.queryByLabelText('From the last run')).toBeNull();
    const facts = [{ label: 'Parameters', value: '124.4M', note: '124,439,808' }, { label: 'Chat template', value: 'no' }];
    const artifact = { key: 'k', port: 'model', type: 'Model', path: '/artifacts/k', bytes: 1, createdAt: '2026-01-01T00:00:00Z', facts };
    const node = { state: 'cached' as const, cached: true, metrics: {}, artifacts: { model: artifact } };
    const run = { runId: 'r1', pipelineName: 'p', targets: [], status: 'succeeded' as const, startedAt: '2026-01-01T00:00:00Z', nodes: { [id]: node }, series: {}, logs: {} };
    act(() => store.setState({ runs: { r1: run }, shownRunId: 'r1', runPipelines: { r1: store.getState().doc } }));
    const shown = within(view.getByLabelText('From the last run'));
    expect(shown.getByText('124.4M')).toBeTruthy();
    expect(shown.getByText('Chat template')).toBeTruthy();
  });

  it('shows a misspelt node type as a placeholder with the type it most likely meant, or the known types', () => {
    const { store, id, view } = inspect('pretrain');
    const retype = (type: string) => act(() => store.setState(({ doc }) => ({ doc: { ...doc, nodes: doc.nodes.map((node) => (node.id === id ? { ...node, type } : node)) } })));
    retype('pretrian');
    const text = () => view.container.querySelector('.placeholder-info p')!.textContent!;
    expect(text()).toContain('Crucible has no node type "pretrian" (version 1); did you mean "pretrain"? The node is kept as a placeholder');
    expect(text()).not.toMatch(/plugin/i);
    retype('mystery');
    expect(text()).toContain(`the known types are ${store.getState().catalogue.map((info) => info.type).join(', ')}.`);
  });
});
