// The Samples tab: what each training node's model wrote from its sample prompt at each evaluation, newest first, so
// a run shows its model learning to write (samples are set by samplePrompt and sampleTokens on the node).
import { useMemo, useState } from 'react';
import type { RunView } from './run-view.ts';
import { samplesByNode } from './training-samples.ts';

export function SamplesView({ run }: { run: RunView }) {
  const byNode = useMemo(() => samplesByNode(run), [run]);
  const nodes = Object.keys(byNode);
  const [picked, setPicked] = useState<string | null>(null);
  const shown = picked !== null && byNode[picked] ? picked : nodes[0];
  if (shown === undefined) {
    return <p className="muted">No samples yet: training nodes continue their samplePrompt at each evaluation (every evalInterval steps) while sampleTokens is above 0.</p>;
  }
  const samples = [...byNode[shown]!].reverse();
  return (
    <div className="samples">
      {nodes.length > 1 && (
        <select aria-label="Node whose samples to show" value={shown} onChange={(event) => setPicked(event.target.value)}>
          {nodes.map((node) => (
            <option key={node} value={node}>
              {node} ({byNode[node]!.length})
            </option>
          ))}
        </select>
      )}
      <ol className="sample-list" data-samples-node={shown}>
        {samples.map((sample) => (
          <li key={sample.step} data-sample-step={sample.step}>
            <span className="sample-step">step {sample.step.toLocaleString('en-US')}</span>
            <pre className="sample-text">
              <span className="sample-prompt">{sample.prompt}</span>
              {sample.text}
            </pre>
          </li>
        ))}
      </ol>
    </div>
  );
}
