// The engine's IngestService (nodes/services/ingest-service.ts, ctx.services.ingest for the dataset node): builds
// the Corpus artifact with engine/ingest (see its README), streaming on the engine's thread as every read awaits.
import type { IngestService } from '../../nodes/capabilities/ingest.ts';
import { ingestCorpus } from '../ingest/ingest-corpus.ts';

export function createIngestService(): IngestService {
  return {
    buildCorpus: (request, hooks) => ingestCorpus({ ...request, ...hooks }),
  };
}
