// The engine's IngestCapability (nodes/capabilities/ingest.ts, ctx.capabilities.ingest for the dataset node): builds
// the Corpus artifact with engine/ingest (see its README), streaming on the engine's thread as every read awaits.
import type { IngestCapability } from '../../nodes/capabilities/ingest.ts';
import { ingestCorpus } from '../ingest/ingest-corpus.ts';

export function createIngestCapability(): IngestCapability {
  return {
    buildCorpus: (request, hooks) => ingestCorpus({ ...request, ...hooks }),
  };
}
