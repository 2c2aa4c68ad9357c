// The run's resources beside the estimate: each training node's process memory (RSS) and CPU use as it trains, with
// the memory its inspector estimated before the run. The trainer reads them (engine/ml/train/process-usage.ts); runs
// side by side in one engine share the process, so each shows their sum. On CUDA, the GPU memory the process holds
// (nvidia-smi) has its own chart.
import { useMemo } from 'react';
import { formatBytes } from '../../../app/text/format-quantity.ts';
import { nodeFacts } from '../form/node-facts.ts';
import { useStudio } from '../store/store-context.tsx';
import { seriesOfMetric } from './chart-data.ts';
import { MetricChart } from './MetricChart.tsx';
import type { RunView } from './run-view.ts';

const ESTIMATE_FACT = 'Training memory';

export function ResourceCharts({ run }: { run: RunView }) {
  const doc = useStudio((state) => state.doc);
  const registry = useStudio((state) => state.registry);
  const memory = useMemo(() => seriesOfMetric(run, 'rssMiB'), [run]);
  const cpu = useMemo(() => seriesOfMetric(run, 'cpuPercent'), [run]);
  const gpu = useMemo(() => seriesOfMetric(run, 'gpuMiB'), [run]);
  // Per document, not per render: the run changes every step, the nodes' estimates only with the document.
  const estimateOf = useMemo(() => new Map(doc.nodes.map((node) => [node.id, nodeFacts(doc, node.id, registry).find((fact) => fact.label === ESTIMATE_FACT)?.value])), [doc, registry]);
  if (memory.length === 0 && cpu.length === 0) return null;
  const estimates = memory.map((one) => ({
    node: one.label,
    // A fold, not Math.max(...values): a long run's per-step series is more than a call takes arguments.
    peakMiB: one.values.reduce((peak, value) => Math.max(peak, value), -Infinity),
    estimate: estimateOf.get(one.label),
  }));
  return (
    <div className="resources" data-resources>
      <ul className="resource-summary">
        {estimates.map((entry) => (
          <li key={entry.node} data-resource-node={entry.node}>
            <strong>{entry.node}</strong> peak RSS {formatBytes(entry.peakMiB * 2 ** 20)}
            {entry.estimate ? ` · estimated ${entry.estimate} before the run` : ''}
          </li>
        ))}
      </ul>
      <div className="charts">
        {memory.length > 0 && <MetricChart title="memory (RSS, MiB)" series={memory} />}
        {cpu.length > 0 && <MetricChart title="CPU (% of all cores)" series={cpu} />}
        {gpu.length > 0 && <MetricChart title="GPU memory (MiB)" series={gpu} />}
      </div>
    </div>
  );
}
