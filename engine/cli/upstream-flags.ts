// `--upstream URL[=model1,model2]` as `crucible serve` and `crucible gateway` take it: an api-endpoint upstream
// entry. Without `=models` the gateway serves whatever the upstream's /v1/models lists.
import type { z } from 'zod';
import type { upstreamConfig } from '../../nodes/api-endpoint/upstreams.ts';
import { UsageError } from './io.ts';

export type UpstreamInput = z.input<typeof upstreamConfig>;

export function upstreamsFromFlags(values: readonly string[] | undefined, command: string): UpstreamInput[] {
  return (values ?? []).map((value) => upstreamFromFlag(value, command));
}

function upstreamFromFlag(value: string, command: string): UpstreamInput {
  // The URL itself may hold '=' only in a query, which upstream URLs may not have; split at the first one.
  const at = value.indexOf('=');
  const url = at < 0 ? value : value.slice(0, at);
  if (!/^https?:\/\//i.test(url)) throw new UsageError(`${command}: --upstream "${value}": give URL[=model1,model2] with an http:// or https:// URL, e.g. http://127.0.0.1:8081=bard-mini`);
  if (at < 0) return { url };
  const models = value
    .slice(at + 1)
    .split(',')
    .map((name) => name.trim());
  if (models.some((name) => name.length === 0)) throw new UsageError(`${command}: --upstream "${value}": the model list after "=" has an empty name; list names separated by commas`);
  return { url, models: models.map((name) => ({ name })) };
}
