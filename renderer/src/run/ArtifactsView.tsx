// The run panel's artifacts tab: each node's outputs with type, size and folder, and the folder an artifact was also
// copied to (an export's outDir), each folder with its copy and show-in-folder actions. Open shows an output below
// its row: the view of its type (OutputPreview.tsx) and its files.
import { Fragment, useState } from 'react';
import type { ArtifactSummary } from '../../../app/protocol/run-events.ts';
import { formatBytes } from '../../../app/text/format-quantity.ts';
import { ArtifactFolder } from './ArtifactFolder.tsx';
import { OutputDetails } from './OutputPreview.tsx';

/** `runId`: the run the outputs belong to; without it (a run not yet known to the engine) rows cannot open. */
export function ArtifactsView({ nodes, runId }: { nodes: Record<string, { artifacts: Record<string, ArtifactSummary> }>; runId?: string }) {
  const [opened, setOpened] = useState<string | null>(null);
  const rows = Object.entries(nodes).flatMap(([nodeId, node]) => Object.values(node.artifacts).map((artifact) => ({ nodeId, ...artifact })));
  if (rows.length === 0) return <p className="muted">No artifacts yet: each node's outputs appear here when it finishes.</p>;
  return (
    <table className="artifacts">
      <thead>
        <tr>
          <th>node</th>
          <th>output</th>
          <th>type</th>
          <th>size</th>
          <th>folder</th>
          {runId !== undefined && <th />}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const id = `${row.nodeId}.${row.port}`;
          const isOpen = opened === id && runId !== undefined;
          return (
            <Fragment key={id}>
              <tr data-artifact={id}>
                <td>{row.nodeId}</td>
                <td>{row.port}</td>
                <td>{row.type}</td>
                <td>{formatBytes(row.bytes)}</td>
                <td>
                  <ArtifactFolder path={row.path} />
                  {row.copiedTo !== undefined && (
                    <div className="artifact-copy">
                      copied to <ArtifactFolder path={row.copiedTo} copyOf={row.path} />
                    </div>
                  )}
                </td>
                {runId !== undefined && (
                  <td>
                    <button type="button" onClick={() => setOpened(isOpen ? null : id)} aria-expanded={isOpen} title="Show this output's preview and files">
                      {isOpen ? 'Close' : 'Open'}
                    </button>
                  </td>
                )}
              </tr>
              {isOpen && (
                <tr className="artifact-details">
                  <td colSpan={6}>
                    <OutputDetails output={{ runId, nodeId: row.nodeId, port: row.port }} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
