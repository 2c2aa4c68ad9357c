// Routes for the studio's previews: a folder's entries for path completion, and a run's node outputs (files, one
// file's text, a view by artifact type, typed text split into tokens). Outputs are found through the run's record,
// never from a path the client sends.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ROUTES } from '../../../app/protocol/engine-api.ts';
import { folderQuerySchema, outputFileQuerySchema, tokenizeRequestSchema } from '../../../app/protocol/preview-api.ts';
import type { ArtifactSummary } from '../../../app/protocol/run-events.ts';
import type { Engine } from '../../engine.ts';
import { FolderListingError, listFolder } from '../../previews/folder-listing.ts';
import { listOutputFiles, OutputFileError, readOutputFileText } from '../../previews/output-files.ts';
import { outputPreview, TOKENIZING_TYPES } from '../../previews/output-preview.ts';
import { tokenizeWith } from '../../previews/tokenizer-preview.ts';
import { HttpError, parseOrThrow } from '../api-error.ts';

const outputParams = z.object({ runId: z.string().min(1).max(128), nodeId: z.string().min(1).max(64), port: z.string().min(1).max(64) });

export function registerPreviewRoutes(app: FastifyInstance, engine: Engine): void {
  app.get(ROUTES.folderEntries, async (request) => {
    const query = parseOrThrow(folderQuerySchema, request.query, 'query');
    const pipelineDir = query.pipelinePath === undefined ? null : path.dirname(path.resolve(query.pipelinePath));
    return listFolder({ path: query.path, pipelineDir, fallbackDir: process.cwd() }).catch(rethrowFolderError);
  });
  app.get(ROUTES.outputFiles, async (request) => listOutputFiles(outputOf(engine, request.params).path));
  app.get(ROUTES.outputFile, async (request) => {
    const { name } = parseOrThrow(outputFileQuerySchema, request.query, 'query');
    return readOutputFileText(outputOf(engine, request.params).path, name).catch(rethrowFileError);
  });
  app.get(ROUTES.outputPreview, async (request) => {
    const output = outputOf(engine, request.params);
    return outputPreview(output).catch((error: unknown) => {
      throw new HttpError(422, 'preview_failed', `cannot preview ${output.type} output "${output.port}": ${(error as Error).message}`);
    });
  });
  app.post(ROUTES.outputTokenize, async (request) => {
    const output = outputOf(engine, request.params);
    const { text } = parseOrThrow(tokenizeRequestSchema, request.body, 'body');
    if (!TOKENIZING_TYPES.has(output.type)) throw new HttpError(400, 'not_a_tokenizer', `output "${output.port}" is a ${output.type}; tokenize with a Tokenizer or Tokens output`);
    return tokenizeWith(output.path, output.type, text).catch((error: unknown) => {
      throw new HttpError(422, 'tokenize_failed', `cannot tokenize with output "${output.port}": ${(error as Error).message}`);
    });
  });
}

function outputOf(engine: Engine, params: unknown): ArtifactSummary {
  const { runId, nodeId, port } = parseOrThrow(outputParams, params, 'path');
  const run = engine.findRun(runId); // the record without metric points: a long run's series are not read
  if (!run) throw new HttpError(404, 'run_not_found', `no run "${runId}"`);
  const node = run.nodes[nodeId];
  if (!node) throw new HttpError(404, 'node_not_found', `run "${runId}" has no node "${nodeId}"`);
  const artifact = node.artifacts[port];
  if (!artifact) throw new HttpError(404, 'output_not_found', `node "${nodeId}" of run "${runId}" has no output "${port}" (yet)`);
  return artifact;
}

function rethrowFolderError(error: unknown): never {
  if (error instanceof FolderListingError) throw new HttpError(error.reason === 'secret_location' ? 403 : 404, error.reason, error.message);
  throw error;
}

function rethrowFileError(error: unknown): never {
  if (error instanceof OutputFileError) throw new HttpError(error.reason === 'outside' ? 400 : 404, `file_${error.reason}`, error.message);
  throw error;
}
