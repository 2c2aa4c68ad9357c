// Reads a pipeline file for the CLI: unreadable files and non-JSON are exit 2, graph problems are exit 1.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { NodeRegistry } from '../../app/nodes/registry.ts';
import { parsePipelineJson, readPipelineJson, type PipelineDocument } from '../../app/pipeline/document.ts';

export type PipelineFileResult = { ok: true; path: string; document: PipelineDocument } | { ok: false; path: string; message: string };
export type PipelineJsonFileResult = { ok: true; path: string; json: unknown } | { ok: false; path: string; message: string };

export async function readPipelineFile(file: string, cwd: string, registry: NodeRegistry): Promise<PipelineFileResult> {
  const read = await readPipelineJsonFile(file, cwd);
  return read.ok ? { ok: true, path: read.path, document: readPipelineJson(read.json, registry) } : read;
}

/** The file's JSON, neither migrated nor validated: `crucible run` hands it to the engine, which does both once. */
export async function readPipelineJsonFile(file: string, cwd: string): Promise<PipelineJsonFileResult> {
  const absolute = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    return { ok: false, path: absolute, message: `cannot read ${file}: ${reason}` };
  }
  const json = parsePipelineJson(text);
  if (!json.ok) return { ok: false, path: absolute, message: `${file}: ${json.problem.message}` };
  return { ok: true, path: absolute, json: json.value };
}
