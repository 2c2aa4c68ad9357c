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
  if (memory.length === 0 && cpu.length === 0) return null;
  const estimates = memory.map((one) => {
    const fact = doc.nodes.some((node) => node.id === one.label) ? nodeFacts(doc, one.label, registry).find((candidate) => candidate.label === ESTIMATE_FACT) : undefined;
    return { node: one.label, peakMiB: Math.max(...one.values), estimate: fact?.value };
  });
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
