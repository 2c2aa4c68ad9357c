// The structured problems validation reports: one per broken thing, each naming where it is and what to do.

export const PROBLEM_CODES = [
  'invalid_file',
  'unsupported_version',
  'migration_failed',
  'unknown_node_type',
  'unsupported_type_version',
  'duplicate_id',
  'edge_missing_node',
  'edge_missing_port',
  'port_type_mismatch',
  'input_already_connected',
  'required_input_missing',
  'cycle',
  'config_invalid',
  'secret_in_file',
  'tokenizer_mismatch',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

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
}

/** One readable line per problem, as the CLI prints them: `node "pretrain": config.nEmbd: ...`. */
export function formatProblem(problem: ValidationProblem): string {
  const where: string[] = [];
  if (problem.node !== null) where.push(`node "${problem.node}"`);
  else if (problem.edge) where.push(`edge "${problem.edge}"`);
  else where.push('file');
  const location = problem.field !== undefined ? `config${problem.field ? `.${problem.field}` : ''}: ` : problem.port ? `port "${problem.port}": ` : '';
  return `${where.join(' ')}: ${location}${problem.message}`;
}
