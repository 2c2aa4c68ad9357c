// The api-endpoint's storeEnv / limitsEnv: names of environment variables only, never the URLs with their passwords.
import { describe, expect, it } from 'vitest';
import { apiEndpointConfig, apiEndpointSpec } from './spec.ts';

function problemsOf(input: Record<string, unknown>) {
  return apiEndpointSpec.checkConfig!(apiEndpointConfig.parse(input));
}

describe('api-endpoint shared backends', () => {
  it('accepts variable names and leaves both out by default', () => {
    expect(problemsOf({ storeEnv: 'CRUCIBLE_STORE_URL', limitsEnv: 'GATEWAY_REDIS' })).toEqual([]);
    expect(apiEndpointConfig.parse({})).not.toHaveProperty('storeEnv');
  });

  it('refuses a URL where the name of an environment variable belongs, naming the field', () => {
    const problems = problemsOf({ storeEnv: 'postgres://gw:secret@db:5432/crucible', limitsEnv: 'redis://cache:6379' });
    expect(problems.map((problem) => problem.field)).toEqual(['storeEnv', 'limitsEnv']);
    expect(problems[0]!.message).toContain('must name an environment variable');
    expect(problems[0]!.message).toContain('postgres://');
  });
});
