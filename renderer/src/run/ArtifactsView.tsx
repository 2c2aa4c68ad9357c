// The run panel's artifacts tab: each node's outputs with type, size and folder, and the folder an artifact was also
// copied to (an export's outDir), each folder with its copy and show-in-folder actions.
import type { ArtifactSummary } from '../../../app/protocol/run-events.ts';
import { formatBytes } from '../../../app/text/format-quantity.ts';
import { ArtifactFolder } from './ArtifactFolder.tsx';

export function ArtifactsView({ nodes }: { nodes: Record<string, { artifacts: Record<string, ArtifactSummary> }> }) {
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
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.nodeId}-${row.port}`} data-artifact={`${row.nodeId}.${row.port}`}>
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
          </tr>
        ))}
      </tbody>
    </table>
  );
}
