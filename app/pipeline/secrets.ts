// Finds values that look like API keys, so they never reach a pipeline file that teams share in git.

const SECRET_PATTERNS: RegExp[] = [
  /^sk-[A-Za-z0-9_-]{16,}$/, // OpenAI-style and Crucible keys
  /^hf_[A-Za-z0-9]{20,}$/, // Hugging Face tokens
  /^gh[pousr]_[A-Za-z0-9]{20,}$/, // GitHub tokens
];

export interface SecretHit {
  /** Where it was found, e.g. `nodes[2].config.apiKey`. */
  path: string;
  nodeId?: string;
  field?: string;
}

export function looksLikeSecret(value: string): boolean {
  return SECRET_PATTERNS.some((pattern) => pattern.test(value.trim()));
}

export function findSecrets(pipeline: { nodes: { id: string; config?: Record<string, unknown> }[] }): SecretHit[] {
  const hits: SecretHit[] = [];
  pipeline.nodes.forEach((node, index) => {
    walk(node.config ?? {}, '', (field) => hits.push({ path: `nodes[${index}].config.${field}`, nodeId: node.id, field }));
  });
  return hits;
}

function walk(value: unknown, path: string, report: (path: string) => void, depth = 0): void {
  if (depth > 32) return;
  if (typeof value === 'string') {
    if (looksLikeSecret(value)) report(path);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}[${i}]`, report, depth + 1));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key, report, depth + 1);
  }
}
