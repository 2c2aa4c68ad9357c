// @vitest-environment jsdom
// An output opened in the artifacts tab: the report drawn from Markdown (raw HTML stays text), the model's facts and
// card, the files with sizes and one opened as JSON; an engine refusal shown as the engine worded it.
import { act, cleanup, fireEvent, render, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutputFileText, OutputPreview } from '../../../app/protocol/preview-api.ts';
import type { OutputRef } from '../api/preview-client.ts';
import { StudioStoreProvider } from '../store/store-context.tsx';
import { fakeEngineApi } from '../store/testing/fake-engine.ts';
import { createTestStore } from '../store/testing/test-store.ts';
import { ArtifactsView } from './ArtifactsView.tsx';

afterEach(cleanup);

const artifact = (port: string, type: string) => ({ key: `k-${port}`, port, type, path: `/data/artifacts/k-${port}`, bytes: 2048, createdAt: '2026-03-01T00:00:00Z' });

function openArtifacts(previews: Record<string, OutputPreview | Error>) {
  const store = createTestStore();
  const engine = fakeEngineApi({ nodeTypes: async () => store.getState().catalogue });
  engine.previews.outputPreview = async (output: OutputRef) => {
    const answer = previews[`${output.nodeId}.${output.port}`]!;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  engine.previews.outputFiles = async (output) => ({ folder: `/data/artifacts/k-${output.port}`, files: [{ name: 'config.json', bytes: 620 }, { name: 'model.safetensors', bytes: 37_000 }], totalBytes: 37_620, truncated: false });
  engine.previews.outputFile = async (_output, name): Promise<OutputFileText> => ({ name, bytes: 620, kind: 'json', text: '{\n  "model_type": "gpt2"\n}', truncated: false });
  act(() => store.getState().attachEngine(engine));
  const nodes = { eval: { artifacts: { report: artifact('report', 'Report') } }, train: { artifacts: { model: artifact('model', 'Model') } }, data: { artifacts: { corpus: artifact('corpus', 'Corpus') } } };
  const view = render(
    <StudioStoreProvider store={store}>
      <ArtifactsView nodes={nodes} runId="r1" />
    </StudioStoreProvider>,
  );
  const open = (id: string) => fireEvent.click(view.container.querySelector(`[data-artifact="${id}"] button[aria-expanded]`)!);
  return { view, open };
}

describe('an output opened in the artifacts tab', () => {
  it('draws the report from Markdown, keeping raw HTML as text', async () => {
    const markdown = '# Evaluation\n\n| metric | value |\n| --- | --- |\n| perplexity | 4.48 |\n\n<img src=x onerror=alert(1)>\n';
    const { view, open } = openArtifacts({ 'eval.report': { kind: 'report', markdown } });
    open('eval.report');
    await waitFor(() => expect(view.container.querySelector('[data-preview="report"] table')).not.toBeNull());
    const report = view.container.querySelector('[data-preview="report"]')!;
    expect(report.querySelector('h3')?.textContent).toBe('Evaluation');
    expect(Array.from(report.querySelectorAll('td')).map((cell) => cell.textContent)).toEqual(['perplexity', '4.48']);
    expect(report.querySelector('img')).toBeNull();
    expect(report.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it("shows a model's facts and card, its files with sizes, and opens one as JSON", async () => {
    const { view, open } = openArtifacts({ 'train.model': { kind: 'model', facts: [{ label: 'Parameters', value: '9.1K', note: '9,136' }], card: '# tiny\n\nTrained on **tiny** data.' } });
    open('train.model');
    await waitFor(() => expect(view.getByLabelText('Model facts').textContent).toContain('Parameters9.1K'));
    expect(view.container.querySelector('.model-card strong')?.textContent).toBe('tiny');
    await waitFor(() => expect(view.getByText('36.1 KiB')).toBeTruthy());
    fireEvent.click(view.getByText('config.json'));
    await waitFor(() => expect(view.container.querySelector('[data-file-preview="config.json"] .file-json')?.textContent).toContain('"model_type": "gpt2"'));
  });

  it('says why a preview failed, in the engine’s words', async () => {
    const { view, open } = openArtifacts({ 'data.corpus': new Error('cannot preview Corpus output "corpus": stats.json is missing') });
    open('data.corpus');
    await waitFor(() => expect(view.getByRole('alert').textContent).toBe('cannot preview Corpus output "corpus": stats.json is missing'));
  });
});
