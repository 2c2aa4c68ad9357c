// /metrics' speculative decoding counters: per model with a draft, read from the deployment when scraped; a model
// without a draft has none.
import { describe, expect, it } from 'vitest';
import { ServingMetrics, type DeploymentLoad } from './serving-metrics.ts';

describe('ServingMetrics speculative decoding', () => {
  it('exports proposed, accepted and verifying steps per model with a draft, current at each scrape', async () => {
    const drafted: DeploymentLoad = { model: 'bard', queued: 0, running: 1, speculation: { proposed: 40, accepted: 31, steps: 10, tokens: 41 } };
    const plain: DeploymentLoad = { model: 'plain', queued: 0, running: 0, speculation: null };
    const metrics = new ServingMetrics(() => [drafted, plain]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('crucible_speculative_proposed_tokens_total{model="bard"} 40');
    expect(text).toContain('crucible_speculative_accepted_tokens_total{model="bard"} 31');
    expect(text).toContain('crucible_speculative_steps_total{model="bard"} 10');
    expect(text).not.toMatch(/crucible_speculative_\w+\{model="plain"\}/);
    drafted.speculation = { proposed: 48, accepted: 35, steps: 12, tokens: 49 };
    expect(await metrics.registry.metrics()).toContain('crucible_speculative_accepted_tokens_total{model="bard"} 35');
  });
});
