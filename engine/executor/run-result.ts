// Checks what a node's run returned before anything is committed: node code is not trusted to return the right
// shape, and a wrong one fails that node with a message that tells its author what to fix.
import type { NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeSpec } from '../../app/nodes/spec.ts';

export type CheckedRunResult = { ok: true; result: NodeRunResult } | { ok: false; message: string };

export function checkRunResult(nodeId: string, spec: NodeSpec, value: unknown): CheckedRunResult {
  const where = `node "${nodeId}" (${spec.type})`;
  if (!isRecord(value) || !isRecord(value.outputs)) {
    return { ok: false, message: `${where} returned ${describe(value)} instead of { outputs: { <port>: { meta? } } }` };
  }
  const declared = spec.outputs.map((port) => port.name);
  const missing = declared.filter((port) => !(port in (value.outputs as Record<string, unknown>)));
  if (missing.length > 0) {
    return { ok: false, message: `${where} did not produce output${missing.length > 1 ? 's' : ''} ${quoteAll(missing)}; its run must write ctx.outputDir(port) and return outputs.<port> for every declared output` };
  }
  for (const [port, record] of Object.entries(value.outputs)) {
    if (!declared.includes(port)) return { ok: false, message: `${where} returned output "${port}", which its spec does not declare (declared: ${quoteAll(declared) || 'none'})` };
    if (!isRecord(record) || (record.meta !== undefined && !isRecord(record.meta))) {
      return { ok: false, message: `${where} returned ${describe(record)} for output "${port}"; expected { meta?: object }` };
    }
  }
  if (value.metrics !== undefined && !isNumberRecord(value.metrics)) {
    return { ok: false, message: `${where} returned metrics ${describe(value.metrics)}; expected an object of finite numbers` };
  }
  if (value.service !== undefined && !(isRecord(value.service) && typeof value.service.stop === 'function')) {
    return { ok: false, message: `${where} returned a service without a stop() function` };
  }
  return { ok: true, result: value as unknown as NodeRunResult };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isNumberRecord(value: unknown): boolean {
  return isRecord(value) && Object.values(value).every((item) => typeof item === 'number' && Number.isFinite(item));
}

function quoteAll(names: string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
