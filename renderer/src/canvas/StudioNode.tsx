// One node on the canvas: type icon, title, typed handles coloured and named by port, the run state badge with
// progress and ETA, key metrics, and a problem count. Reads its run state from the store; edits go through actions.
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { formatProblem, isWarning } from '../../../app/graph/problems.ts';
import type { PortHandle, StudioFlowNode } from '../graph/flow-view.ts';
import { formatDuration, formatMetric, KEY_METRICS, metricLabel, STATE_LABELS } from '../run/format.ts';
import type { NodeRunView } from '../run/run-view.ts';
import { selectNodeRun, selectProblemsByNode } from '../store/selectors.ts';
import { useStudio } from '../store/store-context.tsx';
import { NodeIcon } from './node-icon.tsx';

function PortRow({ port, side }: { port: PortHandle; side: 'input' | 'output' }) {
  const tip = `${port.title} (${port.type})${port.multi && !port.removed ? ', takes several' : ''}${port.optional && !port.removed ? ', optional' : ''}: ${port.description}`;
  return (
    <div className={`port port-${side}${port.removed ? ' port-removed' : ''}`} title={tip} data-port={port.name}>
      <Handle
        type={side === 'input' ? 'target' : 'source'}
        position={side === 'input' ? Position.Left : Position.Right}
        id={port.name}
        className="port-handle"
        style={{ background: port.color, borderColor: port.color }}
      />
      <span className="port-name">{port.title}</span>
      {port.type !== port.title && (
        <span className="port-type" style={{ color: port.color }}>
          {port.type}
        </span>
      )}
    </div>
  );
}

function RunStatus({ nodeId, run }: { nodeId: string; run: NodeRunView }) {
  const showLogsFor = useStudio((state) => state.showLogsFor);
  const percent = run.fraction !== undefined ? Math.round(run.fraction * 100) : null;
  const metrics = KEY_METRICS.filter((name) => run.metrics[name] !== undefined);
  const title = run.state === 'failed' ? `${run.error?.message ?? 'failed'} — click for the logs` : run.reason ?? run.message ?? STATE_LABELS[run.state];
  return (
    <div className="node-run">
      <div className="node-run-line">
        <button type="button" className={`badge badge-${run.state}`} title={title} onClick={() => showLogsFor(nodeId)}>
          {STATE_LABELS[run.state]}
        </button>
        {run.state === 'running' && percent !== null && <span className="node-run-percent">{percent}%</span>}
        {run.state === 'running' && run.etaMs !== undefined && <span className="node-run-eta">ETA {formatDuration(run.etaMs)}</span>}
        {run.state !== 'running' && run.durationMs !== undefined && <span className="node-run-eta">{formatDuration(run.durationMs)}</span>}
      </div>
      {run.state === 'running' && (
        <div className="progress" role="progressbar" aria-valuenow={percent ?? undefined} aria-valuemin={0} aria-valuemax={100}>
          <div className="progress-fill" style={{ width: `${percent ?? 0}%` }} />
        </div>
      )}
      {run.state === 'cached' && run.reason && <div className="node-run-reason">{run.reason}</div>}
      {run.state === 'failed' && run.error && <div className="node-run-error">{run.error.message}</div>}
      {metrics.length > 0 && (
        <dl className="node-metrics">
          {metrics.map((name) => (
            <div key={name}>
              <dt>{metricLabel(name)}</dt>
              <dd>{formatMetric(run.metrics[name]!)}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

function StudioNodeView({ id, data, selected }: NodeProps<StudioFlowNode>) {
  const run = useStudio((state) => selectNodeRun(state, id));
  const problems = useStudio((state) => selectProblemsByNode(state).get(id));
  const classes = ['studio-node', selected ? 'selected' : '', data.placeholder ? 'placeholder' : '', run ? `state-${run.state}` : ''].filter(Boolean).join(' ');
  return (
    <div className={classes} data-node-id={id} data-node-type={data.typeName}>
      <header className="node-header">
        <NodeIcon name={data.icon} />
        <span className="node-title">{data.title}</span>
        {problems && problems.length > 0 && (
          <span className={`node-problems${problems.every(isWarning) ? ' warnings-only' : ''}`} title={problems.map(formatProblem).join('\n')}>
            {problems.length}
          </span>
        )}
      </header>
      <div className="node-subtitle">
        {data.placeholder ? `unknown type "${data.typeName}" — kept as is` : id}
      </div>
      <div className="node-ports">
        <div className="node-inputs">
          {data.inputs.map((port) => (
            <PortRow key={port.name} port={port} side="input" />
          ))}
        </div>
        <div className="node-outputs">
          {data.outputs.map((port) => (
            <PortRow key={port.name} port={port} side="output" />
          ))}
        </div>
      </div>
      {run && <RunStatus nodeId={id} run={run} />}
    </div>
  );
}

export const StudioNode = memo(StudioNodeView);
