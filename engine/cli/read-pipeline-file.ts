// Reads a pipeline file for the CLI: unreadable files and non-JSON are exit 2, graph problems are exit 1.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { NodeRegistry } from '../../app/nodes/registry.ts';
import { readPipelineText, type PipelineDocument } from '../../app/pipeline/document.ts';

export type PipelineFileResult = { ok: true; path: string; document: PipelineDocument } | { ok: false; path: string; message: string };

export async function readPipelineFile(file: string, cwd: string, registry: NodeRegistry): Promise<PipelineFileResult> {
  const absolute = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    return { ok: false, path: absolute, message: `cannot read ${file}: ${reason}` };
  }
  const document = readPipelineText(text, registry);
  if (document.unreadable) return { ok: false, path: absolute, message: `${file}: ${document.problems[0]!.message}` };
  return { ok: true, path: absolute, document };
}
