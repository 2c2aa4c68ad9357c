// Reading a node's config against its spec: zod defaults and field checks, then the spec's cross-field checks.
import { describeZodIssues, type FieldMessage } from '../graph/zod-issues.ts';
import type { ConfigProblem, NodeSpec } from './spec.ts';

/** A valid config may still carry warnings (a schedule that never decays): shown, never refusing a run. */
export type ConfigResult = { ok: true; config: Record<string, unknown>; warnings: ConfigProblem[] } | { ok: false; problems: (FieldMessage | ConfigProblem)[] };

export function parseNodeConfig(spec: NodeSpec, raw: unknown): ConfigResult {
  const parsed = spec.config.safeParse(raw ?? {});
  if (!parsed.success) return { ok: false, problems: describeZodIssues(parsed.error, raw) };
  const config = parsed.data as Record<string, unknown>;
  const problems = spec.checkConfig?.(config) ?? [];
  if (problems.some((problem) => problem.severity !== 'warning')) return { ok: false, problems };
  return { ok: true, config, warnings: problems };
}

/** The full default config of a node type, as the palette drops it on the canvas. */
export function defaultConfig(spec: NodeSpec): Record<string, unknown> {
  return spec.config.parse({}) as Record<string, unknown>;
}
