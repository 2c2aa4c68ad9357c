// One run output opened in the studio: the view of its artifact type (a report rendered, a model's facts and card,
// a corpus's counts and documents, a tokenizer's vocabulary and a tokenize box) and its files with their sizes, each
// of which opens as text or JSON.
import { useState, type ReactNode } from 'react';
import '../styles/previews.css';
import type { OutputFileText, OutputPreview as OutputPreviewData } from '../../../app/protocol/preview-api.ts';
import { formatBytes } from '../../../app/text/format-quantity.ts';
import type { OutputRef } from '../api/preview-client.ts';
import { DataPreview } from './DataPreview.tsx';
import { FactList } from './FactList.tsx';
import { Markdown } from './Markdown.tsx';
import { TokenizerPreview } from './TokenizerPreview.tsx';
import { useEngineQuery, type QueryState } from './use-engine-query.ts';

const outputKey = (output: OutputRef) => `${output.runId}/${output.nodeId}/${output.port}`;

function Loading<T>({ query, what, children }: { query: QueryState<T>; what: string; children: (value: T) => ReactNode }) {
  if (query.status === 'loading') return <p className="muted">Loading {what}…</p>;
  if (query.status === 'failed') return <p className="field-error" role="alert">{query.message}</p>;
  return <>{children(query.value)}</>;
}

/** The view of the output's type; nothing for types that have only files. */
export function OutputTypeView({ output }: { output: OutputRef }) {
  const query = useEngineQuery(`preview:${outputKey(output)}`, (engine) => engine.previews.outputPreview(output));
  return (
    <Loading query={query} what="the preview">
      {(preview) => <TypeView output={output} preview={preview} />}
    </Loading>
  );
}

function TypeView({ output, preview }: { output: OutputRef; preview: OutputPreviewData }) {
  switch (preview.kind) {
    case 'report':
      return (
        <section className="output-report" data-preview="report">
          <Markdown text={preview.markdown} />
        </section>
      );
    case 'model':
      return (
        <section className="output-model" data-preview="model">
          <FactList facts={preview.facts} className="facts" label="Model facts" />
          {preview.card === null ? (
            <p className="muted">This model folder has no README.md model card.</p>
          ) : (
            <details className="model-card">
              <summary>Model card (README.md)</summary>
              <Markdown text={preview.card} />
            </details>
          )}
        </section>
      );
    case 'corpus':
      return <DataPreview preview={preview} />;
    case 'tokens':
    case 'tokenizer':
      return <TokenizerPreview output={output} preview={preview} />;
    case 'files':
      return null;
  }
}

/** The output's files with sizes; a click opens one below the list. */
export function OutputFilesView({ output }: { output: OutputRef }) {
  const query = useEngineQuery(`files:${outputKey(output)}`, (engine) => engine.previews.outputFiles(output));
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Loading query={query} what="the file list">
      {(files) => (
        <div className="output-files">
          <table className="file-list" aria-label="Files">
            <tbody>
              {files.files.map((file) => (
                <tr key={file.name} className={open === file.name ? 'selected' : undefined}>
                  <td>
                    <button type="button" className="link-button" onClick={() => setOpen(open === file.name ? null : file.name)} aria-expanded={open === file.name}>
                      {file.name}
                    </button>
                  </td>
                  <td className="file-size">{formatBytes(file.bytes)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <td>
                  {files.files.length} file(s){files.truncated ? ' (list cut short)' : ''}
                </td>
                <td className="file-size">{formatBytes(files.totalBytes)}</td>
              </tr>
            </tfoot>
          </table>
          {open !== null && <FileText output={output} name={open} />}
        </div>
      )}
    </Loading>
  );
}

function FileText({ output, name }: { output: OutputRef; name: string }) {
  const query = useEngineQuery(`file:${outputKey(output)}:${name}`, (engine) => engine.previews.outputFile(output, name));
  return (
    <Loading query={query} what={name}>
      {(file) => <FileBody file={file} />}
    </Loading>
  );
}

function FileBody({ file }: { file: OutputFileText }) {
  const cut = file.truncated ? <p className="muted">Showing the first part of {formatBytes(file.bytes)}.</p> : null;
  if (file.kind === 'binary') return <p className="muted" data-file-preview={file.name}>{file.name} is binary ({formatBytes(file.bytes)}); it has no text to show.</p>;
  return (
    <div className="file-preview" data-file-preview={file.name}>
      {cut}
      {file.kind === 'markdown' ? <Markdown text={file.text} /> : <pre className={`file-text file-${file.kind}`}>{file.text}</pre>}
    </div>
  );
}

/** Both, as the artifacts tab and the inspector show an output. */
export function OutputDetails({ output }: { output: OutputRef }) {
  return (
    <div className="output-details" data-output={`${output.nodeId}.${output.port}`}>
      <OutputTypeView output={output} />
      <OutputFilesView output={output} />
    </div>
  );
}
