// From raw text or JSON to a checked pipeline: parse, migrate, check the file shape, then validate the graph.
// Every failure becomes a ValidationProblem; nothing here throws on bad input.
import { describeZodIssues } from '../graph/zod-issues.ts';
import type { ValidationProblem } from '../graph/problems.ts';
import { validate } from '../graph/validate.ts';
import type { NodeRegistry } from '../nodes/registry.ts';
import { MigrationError, migratePipelineFile } from './migrate.ts';
import { parseJsonWithPosition } from './parse-json.ts';
import { pipelineSchema, type Pipeline } from './schema.ts';

export interface PipelineDocument {
  /** Present when the file has the right shape, even if its graph has problems. */
  pipeline: Pipeline | null;
  problems: ValidationProblem[];
  /** The version the file was written in, when it was migrated to the current one. */
  migratedFrom?: number;
  /** True when the text is not JSON at all (the CLI exits 2 for these). */
  unreadable?: boolean;
}

export function readPipelineText(text: string, registry: NodeRegistry): PipelineDocument {
  const json = parsePipelineJson(text);
  return json.ok ? readPipelineJson(json.value, registry) : { pipeline: null, unreadable: true, problems: [json.problem] };
}

/** The text's JSON value, or the problem (with its line and column) that makes the file unreadable. */
export function parsePipelineJson(text: string): { ok: true; value: unknown } | { ok: false; problem: ValidationProblem } {
  const parsed = parseJsonWithPosition(text);
  if (parsed.ok) return parsed;
  const { message, line, column } = parsed.problem;
  return { ok: false, problem: { node: null, code: 'invalid_file', message: `not valid JSON at line ${line}, column ${column}: ${message}` } };
}

export function readPipelineJson(raw: unknown, registry: NodeRegistry): PipelineDocument {
  const document = readPipelineShape(raw);
  return document.pipeline ? { ...document, problems: validate(document.pipeline, registry) } : document;
}

/**
 * Migrates the file and checks its shape, leaving the graph unvalidated: for a run, which validates once, after its
 * overrides. `pipeline` is null when there are problems.
 */
export function readPipelineShape(raw: unknown): PipelineDocument {
  let migrated;
  try {
    migrated = migratePipelineFile(raw);
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error;
    const code = /newer Crucible/.test(error.message) ? 'unsupported_version' : 'migration_failed';
    return { pipeline: null, problems: [{ node: null, code, message: error.message }] };
  }
  const shape = pipelineSchema.safeParse(migrated.file);
  const migratedFrom = migrated.steps > 0 ? migrated.fromVersion : undefined;
  if (!shape.success) {
    const problems = describeZodIssues(shape.error, migrated.file).map((issue) => fileProblem(issue.field, issue.message, migrated.file));
    return { pipeline: null, problems, migratedFrom };
  }
  return { pipeline: shape.data, problems: [], migratedFrom };
}

/** Names the node when a shape problem sits inside one (`nodes.3.config` → node "tok"). */
function fileProblem(path: string, message: string, file: Record<string, unknown>): ValidationProblem {
  const match = /^nodes\.(\d+)(?:\.(.*))?$/.exec(path);
  if (match) {
    const node = (file.nodes as unknown[] | undefined)?.[Number(match[1])] as { id?: unknown } | undefined;
    const id = typeof node?.id === 'string' ? node.id : `#${match[1]}`;
    const rest = match[2] ?? '';
    return { node: id, code: 'invalid_file', message: rest ? `${rest}: ${message}` : message };
  }
  return { node: null, code: 'invalid_file', message: path ? `${path}: ${message}` : message };
}
