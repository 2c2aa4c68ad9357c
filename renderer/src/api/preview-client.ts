// The engine calls behind the studio's previews (app/protocol/preview-api.ts): folder entries for path completion,
// a run output's files, one file's text, the view of its artifact type, and typed text split into tokens.
import { ROUTES } from '../../../app/protocol/engine-api.ts';
import type { FolderListing, OutputFileText, OutputFiles, OutputPreview, TokenizedText } from '../../../app/protocol/preview-api.ts';

/** A run's node output, as the routes name it. */
export interface OutputRef {
  runId: string;
  nodeId: string;
  port: string;
}

export interface PreviewApi {
  /** `path` as typed in a source row; relative paths start at the pipeline file's folder (`pipelinePath`). */
  listFolder(path: string, pipelinePath: string | null): Promise<FolderListing>;
  outputFiles(output: OutputRef): Promise<OutputFiles>;
  outputFile(output: OutputRef, name: string): Promise<OutputFileText>;
  outputPreview(output: OutputRef): Promise<OutputPreview>;
  tokenize(output: OutputRef, text: string): Promise<TokenizedText>;
}

export type EngineCall = <T>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<T>;

export function createPreviewApi(call: EngineCall, pathFor: (route: string, params: Record<string, string>) => string, queryString: (params: Record<string, string | undefined>) => string): PreviewApi {
  const outputPath = (route: string, output: OutputRef) => pathFor(route, { runId: output.runId, nodeId: output.nodeId, port: output.port });
  return {
    listFolder: (path, pipelinePath) => call('GET', `${ROUTES.folderEntries}${queryString({ path, pipelinePath: pipelinePath ?? undefined })}`),
    outputFiles: (output) => call('GET', outputPath(ROUTES.outputFiles, output)),
    outputFile: (output, name) => call('GET', `${outputPath(ROUTES.outputFile, output)}${queryString({ name })}`),
    outputPreview: (output) => call('GET', outputPath(ROUTES.outputPreview, output)),
    tokenize: (output, text) => call('POST', outputPath(ROUTES.outputTokenize, output), { text }),
  };
}
