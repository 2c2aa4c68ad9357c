// The dataset node's corpus at a glance: documents and characters per split, what cleaning and dedup removed, the
// first documents, and a histogram of document lengths.
import type { CorpusPreview } from '../../../app/protocol/preview-api.ts';
import { formatBytes, formatCount } from '../../../app/text/format-quantity.ts';
import { Fact } from './FactList.tsx';

export function DataPreview({ preview }: { preview: CorpusPreview }) {
  const { stats, samples, histogram } = preview;
  const removed = stats.duplicatesRemoved + stats.documentsFiltered;
  const most = Math.max(1, ...histogram.counts);
  return (
    <div className="data-preview" data-preview="corpus">
      <dl className="facts preview-counts" aria-label="Corpus counts">
        <Fact label="Documents" value={`${stats.train.documents.toLocaleString('en-US')} train, ${stats.val.documents.toLocaleString('en-US')} val`} note={stats.splitBy === 'characters' ? 'one document, cut by characters for val' : undefined} />
        <Fact label="Characters" value={`${formatCount(stats.train.characters)} train, ${formatCount(stats.val.characters)} val`} />
        <Fact label="Read" value={`${stats.documentsRead.toLocaleString('en-US')} documents from ${stats.files} file(s), ${formatBytes(stats.bytesRead)}`} />
        <Fact label="Removed" value={`${removed.toLocaleString('en-US')} documents`} note={`${stats.duplicates.exact} exact and ${stats.duplicates.near} near duplicates; ${stats.filtered.empty} empty, ${stats.filtered.tooShort} too short, ${stats.filtered.tooLong} too long`} />
      </dl>
      {histogram.counts.length > 0 && (
        <figure className="length-histogram" aria-label="Train document lengths">
          <figcaption>Train document lengths (bytes)</figcaption>
          {histogram.counts.map((count, bin) => (
            <div key={bin} className="histogram-row" title={`${count} document(s)`}>
              <span className="histogram-label">{binLabel(histogram.edges, bin)}</span>
              <span className="histogram-bar" style={{ width: `${(count / most) * 100}%` }} />
              <span className="histogram-count">{count.toLocaleString('en-US')}</span>
            </div>
          ))}
        </figure>
      )}
      <h4>First train documents</h4>
      <ol className="sample-documents">
        {samples.map((sample, index) => (
          <li key={index}>
            <pre>{sample.text}{sample.cut ? '…' : ''}</pre>
            <span className="muted">{sample.characters.toLocaleString('en-US')} characters</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

function binLabel(edges: readonly number[], bin: number): string {
  const low = edges[bin]!;
  const high = edges[bin + 1];
  return high === undefined ? `≥ ${formatCount(low)}` : `${formatCount(low)}–${formatCount(high - 1)}`;
}
