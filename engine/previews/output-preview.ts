// Picks the preview of a node output by its artifact type (PREVIEWED_TYPES, which the studio's inspector also reads).
// Types without a view of their own answer "files", and the studio shows their file list only.
import { isPreviewedType, type OutputPreview, type PreviewedType } from '../../app/protocol/preview-api.ts';
import type { ArtifactSummary } from '../../app/protocol/run-events.ts';
import { corpusPreview } from './corpus-preview.ts';
import { modelPreview } from './model-preview.ts';
import { readOutputFileText } from './output-files.ts';
import { tokenizerPreview, tokensPreview } from './tokenizer-preview.ts';

/** Artifact types whose text can be split into tokens by ROUTES.outputTokenize. */
export const TOKENIZING_TYPES: ReadonlySet<string> = new Set(['Tokenizer', 'Tokens']);

type PreviewedArtifact = Pick<ArtifactSummary, 'type' | 'path' | 'facts'>;

const VIEWS: Record<PreviewedType, (artifact: PreviewedArtifact) => Promise<OutputPreview>> = {
  Corpus: (artifact) => corpusPreview(artifact.path),
  Tokens: (artifact) => tokensPreview(artifact.path),
  Tokenizer: (artifact) => tokenizerPreview(artifact.path),
  Model: (artifact) => modelPreview(artifact.path, artifact.facts),
  Report: async (artifact) => ({ kind: 'report', markdown: (await readOutputFileText(artifact.path, 'report.md')).text }),
};

export async function outputPreview(artifact: PreviewedArtifact): Promise<OutputPreview> {
  return isPreviewedType(artifact.type) ? VIEWS[artifact.type](artifact) : { kind: 'files' };
}
