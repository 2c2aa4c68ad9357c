// The whole dataset job, independent of the executor: plan the source files, read and filter them into a kept
// file (pass 1), then copy it into train/val with their document indexes and write stats.json (pass 2), which
// records every file read with its sha256. With `content: "chat"` every record is one conversation document.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CORPUS_STATS_FILE, type CorpusStats } from '../../app/artifacts/corpus-layout.ts';
import type { CorpusRequest, DatasetConfig, IngestHooks } from '../../nodes/capabilities/ingest.ts';
import { BufferedFileWriter } from './buffered-file-writer.ts';
import { ChatRecordProblems, recordDocumentFor } from './chat-problems.ts';
import { DocumentProcessor, type ProcessingCounts } from './document-processor.ts';
import { IngestProgress } from './ingest-progress.ts';
import type { ReaderContext } from './readers/reader-context.ts';
import { readRecordsOrText } from './readers/read-file.ts';
import { JoinedTextDocument } from './readers/text.ts';
import { CHAT_RECORD_FORMATS, planSourceFiles, type PlannedFile } from './source-plan.ts';
import { writeSplits } from './split-corpus.ts';

export type IngestOptions = CorpusRequest & IngestHooks;

const KEPT_FILE = '.kept.tmp';

export async function ingestCorpus(options: IngestOptions): Promise<CorpusStats> {
  const { config, signal } = options;
  const files = await planSourceFiles(config.sources, config.format, config.content, {
    dataDir: options.dataDir,
    pipelineDir: options.pipelineDir,
    signal,
    log: options.log,
    onDownloadProgress: (url, received, total) => options.progress({ message: `downloading ${url}: ${received}${total ? ` of ${total}` : ''} bytes` }),
  });
  if (config.content === 'chat') refuseNonRecordFiles(files);
  const keptPath = path.join(options.corpusDir, KEPT_FILE);
  const kept = await BufferedFileWriter.create(keptPath);
  try {
    const processor = new DocumentProcessor(kept, config);
    const totalBytes = files.reduce((sum, file) => sum + file.bytes, 0);
    const progress = new IngestProgress(options.progress, totalBytes, processor.counts);
    await readAllFiles(files, processor, progress, options);
    await kept.close();
    if (processor.counts.kept === 0) throw new Error(emptyCorpusMessage(processor.counts, config, files.length));
    progress.startCopy(kept.position);
    const splits = await writeSplits({
      keptPath,
      documentEnds: processor.documentEnds,
      documentCharacters: processor.documentCharacters,
      valFraction: config.valFraction,
      seed: config.seed,
      corpusDir: options.corpusDir,
      // A conversation is never cut in two: a single one goes to train whole.
      wholeDocuments: config.content === 'chat',
      signal,
      onBytes: (count) => progress.copied(count),
    });
    const stats = { ...corpusStats(splits, processor.counts, files, progress.readBytes), ...(config.content === 'chat' ? { content: 'chat' as const } : {}) };
    await writeFile(path.join(options.corpusDir, CORPUS_STATS_FILE), `${JSON.stringify(stats, null, 2)}\n`);
    return stats;
  } finally {
    await kept.abandon();
    await rm(keptPath, { force: true });
  }
}

async function readAllFiles(files: PlannedFile[], processor: DocumentProcessor, progress: IngestProgress, options: IngestOptions): Promise<void> {
  const { config } = options;
  const problems = new ChatRecordProblems();
  const recordDocument = recordDocumentFor(config.content, config.textField, config.normalize, problems);
  const contextFor = (file: PlannedFile): ReaderContext => ({
    file,
    sink: processor,
    textField: config.textField,
    normalization: config.normalize,
    signal: options.signal,
    onDiskBytes: (count) => progress.read(count),
    scratchDir: options.corpusDir,
    content: config.content,
    recordDocument,
  });
  // With documentSplit "none" the text files form one document, read first; records stay one document each.
  if (config.documentSplit === 'none') {
    const joined = new JoinedTextDocument(processor);
    for (const file of files.filter((candidate) => candidate.format === 'text')) await joined.appendFile(contextFor(file));
    await joined.end();
  }
  for (const file of files) {
    if (config.documentSplit === 'none' && file.format === 'text') continue;
    await readRecordsOrText(file.format, contextFor(file), config.documentSplit === 'blank-lines' ? 'blank-lines' : 'file');
  }
  problems.throwIfAny();
}

/**
 * Chat conversations come from records: JSON Lines, JSON arrays or parquet rows. Folders and globs have skipped other
 * files already (source-plan.ts), so what is left here was named directly.
 */
function refuseNonRecordFiles(files: PlannedFile[]): void {
  const other = files.find((file) => !CHAT_RECORD_FORMATS.has(file.format));
  if (other === undefined) return;
  throw new Error(`"${other.name}" is read as ${other.format}, but a dataset with content "chat" reads conversations from JSON Lines, JSON or Parquet records; remove it from the sources, or, if it holds such records, give it a .jsonl, .json or .parquet extension`);
}

function corpusStats(splits: Awaited<ReturnType<typeof writeSplits>>, counts: ProcessingCounts, files: PlannedFile[], bytesRead: number): CorpusStats {
  return {
    version: 1,
    train: splits.train,
    val: splits.val,
    splitBy: splits.splitBy,
    files: files.length,
    bytesRead,
    documentsRead: counts.documentsRead,
    duplicatesRemoved: counts.exactDuplicates + counts.nearDuplicates,
    duplicates: { exact: counts.exactDuplicates, near: counts.nearDuplicates },
    documentsFiltered: counts.empty + counts.tooShort + counts.tooLong,
    filtered: { empty: counts.empty, tooShort: counts.tooShort, tooLong: counts.tooLong },
    sources: files.map((file) => file.recorded),
  };
}

function emptyCorpusMessage(counts: ProcessingCounts, config: DatasetConfig, files: number): string {
  if (counts.documentsRead === 0 || counts.documentsRead === counts.empty) {
    return `the dataset's sources hold no text (${files} file(s), ${counts.documentsRead} document(s), all empty); check the sources and textField`;
  }
  const reasons = [
    counts.empty > 0 ? `${counts.empty} empty` : '',
    counts.tooShort > 0 ? `${counts.tooShort} shorter than minChars (${config.minChars})` : '',
    counts.tooLong > 0 ? `${counts.tooLong} longer than maxChars (${config.maxChars})` : '',
    counts.exactDuplicates + counts.nearDuplicates > 0 ? `${counts.exactDuplicates + counts.nearDuplicates} duplicates` : '',
  ].filter(Boolean);
  return `the dataset's filters left an empty corpus: of ${counts.documentsRead} documents, ${reasons.join(', ')}; lower minChars, raise maxChars (0 = no limit) or check documentSplit`;
}
