// The structured problems validation reports: one per broken thing, each naming where it is and what to do.

/**
 * The codes that say the file itself is not what a current studio would write: unreadable, from another version,
 * unknown node types kept as placeholders, ids or ports that do not resolve, a secret written in. The studio flags an
 * opened file that has them.
 */
export const FILE_PROBLEM_CODES = [
  'invalid_file',
  'unsupported_version',
  'migration_failed',
  'unknown_node_type',
  'unsupported_type_version',
  'duplicate_id',
  'edge_missing_node',
  'edge_missing_port',
  'secret_in_file',
] as const;

/**
 * The codes the engine's checks on its machine report (node `check` hooks: files, folders, symbolic links); a spec's
 * checkConfig may use them too (a dataset path named like a secret). The studio validates in the browser, so it asks
 * the engine for these and shows them beside its own.
 */
export const MACHINE_CHECK_CODES = ['secret_source', 'source_outside_project', 'secret_file_skipped', 'check_failed', 'port_clash', 'memory_exceeds_machine', 'relative_path_without_folder'] as const;

export const PROBLEM_CODES = [
  ...FILE_PROBLEM_CODES,
  'port_type_mismatch',
  'input_already_connected',
  'required_input_missing',
  'cycle',
  'config_invalid',
  'tokenizer_mismatch',
  'schedule_never_decays',
  'teacher_init_skipped',
  'duplicate_served_name',
  'gguf_needs_end_of_text',
  ...MACHINE_CHECK_CODES,
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];
export type MachineCheckCode = (typeof MACHINE_CHECK_CODES)[number];

/** A warning is shown and printed but never makes a pipeline invalid or refuses a run. Absent means error. */
export type ProblemSeverity = 'error' | 'warning';

export interface ValidationProblem {
  /** The node the problem belongs to; null for file-level problems. */
  node: string | null;
  /** The edge, for problems that belong to one connection. */
  edge?: string;
  port?: string;
  /** Dot path inside the node's config, e.g. `sources.0.path`. */
  field?: string;
  code: ProblemCode;
  message: string;
  /** Absent for errors. */
  severity?: ProblemSeverity;
}

export function isWarning(problem: ValidationProblem): boolean {
  return problem.severity === 'warning';
}

/** The problems that make a pipeline invalid: everything but warnings. */
export function errorsOf<P extends ValidationProblem>(problems: readonly P[]): P[] {
  return problems.filter((problem) => !isWarning(problem));
}

/** One readable line per problem, as the CLI prints them: `node "pretrain": config.nEmbd: ...`; warnings start with `warning: `. */
export function formatProblem(problem: ValidationProblem): string {
  const where: string[] = [];
  if (problem.node !== null) where.push(`node "${problem.node}"`);
  else if (problem.edge) where.push(`edge "${problem.edge}"`);
  else where.push('file');
  const location = problem.field !== undefined ? `config${problem.field ? `.${problem.field}` : ''}: ` : problem.port ? `port "${problem.port}": ` : '';
  return `${isWarning(problem) ? 'warning: ' : ''}${where.join(' ')}: ${location}${problem.message}`;
}
