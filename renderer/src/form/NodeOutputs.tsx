// The inspector's view of what the selected node made in the run the studio shows: each output that has a view of its
// own (a corpus, tokens, a tokenizer, a model, a report) opens in place, so data and models can be looked at before
// training and serving.
import { useState } from 'react';
import { isPreviewedType } from '../../../app/protocol/preview-api.ts';
import { selectNodeRun, selectShownRun } from '../store/selectors.ts';
import { useStudio } from '../store/store-context.tsx';
import { OutputTypeView } from '../run/OutputPreview.tsx';

export function NodeOutputs({ nodeId }: { nodeId: string }) {
  const runId = useStudio((state) => selectShownRun(state)?.runId);
  const artifacts = useStudio((state) => selectNodeRun(state, nodeId)?.artifacts);
  const shown = Object.values(artifacts ?? {}).filter((artifact) => isPreviewedType(artifact.type));
  if (runId === undefined || shown.length === 0) return null;
  return (
    <section className="node-outputs" aria-label="Outputs of the last run">
      {shown.map((artifact) => (
        <OutputSection key={artifact.port} runId={runId} nodeId={nodeId} port={artifact.port} type={artifact.type} />
      ))}
    </section>
  );
}

/** Opened on demand: a preview reads files on the engine's machine. */
function OutputSection({ runId, nodeId, port, type }: { runId: string; nodeId: string; port: string; type: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="node-output" data-node-output={port} open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>
        {port} <span className="muted">({type})</span>
      </summary>
      {open && <OutputTypeView output={{ runId, nodeId, port }} />}
    </details>
  );
}
