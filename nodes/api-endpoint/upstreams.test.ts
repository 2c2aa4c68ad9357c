import { describe, expect, it } from 'vitest';
import { apiEndpointConfig, apiEndpointSpec } from './spec.ts';
import { parseUpstreamUrl } from './upstreams.ts';

function problemsFor(upstreams: unknown[]) {
  const config = apiEndpointConfig.parse({ upstreams });
  return apiEndpointSpec.checkConfig!(config);
}

describe('api-endpoint upstreams', () => {
  it('accepts an upstream with renamed models, a key variable, a weight and a cap', () => {
    const config = apiEndpointConfig.parse({
      upstreams: [{ url: 'http://10.0.0.5:8000/v1', models: [{ name: 'meta-llama/Llama-3.1-8B-Instruct', servedAs: 'llama-8b' }], apiKeyEnv: 'VLLM_API_KEY', weight: 2, maxConcurrency: 32 }],
    });
    expect(apiEndpointSpec.checkConfig!(config)).toEqual([]);
    expect(config.routing.maxRetries).toBe(2);
  });

  it('refuses an API key pasted where the variable name goes', () => {
    for (const literal of ['sk-proj-abc123', 'Bearer abc', 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4']) {
      const [problem] = problemsFor([{ url: 'http://127.0.0.1:8081', apiKeyEnv: literal }]);
      expect(problem?.field).toBe('upstreams.0.apiKeyEnv');
      expect(problem?.message).toMatch(/never put the key itself in the pipeline file/);
    }
  });

  it("refuses Crucible's own settings as an upstream's key: a shared file must not send them to a server it names", () => {
    for (const name of ['CRUCIBLE_ENGINE_TOKEN', 'CRUCIBLE_STORE_URL', 'crucible_limits_url']) {
      const [problem] = problemsFor([{ url: 'http://attacker.example:8081', apiKeyEnv: name }]);
      expect(problem).toEqual({ field: 'upstreams.0.apiKeyEnv', message: expect.stringMatching(/one of Crucible's own settings .* never sent to an upstream/) });
    }
    expect(problemsFor([{ url: 'http://127.0.0.1:8081', apiKeyEnv: 'MY_CRUCIBLE_UPSTREAM_KEY' }])).toEqual([]);
  });

  it('refuses a literal key under any other field name', () => {
    expect(apiEndpointConfig.safeParse({ upstreams: [{ url: 'http://127.0.0.1:8081', apiKey: 'sk-abc' }] }).success).toBe(false);
  });

  it('refuses credentials in the URL, other schemes and duplicate names', () => {
    const problems = problemsFor([
      { url: 'http://user:secret@127.0.0.1:8081' },
      { url: 'ftp://127.0.0.1' },
      { url: 'http://127.0.0.1:1', name: 'twin' },
      { url: 'http://127.0.0.1:2', name: 'twin' },
      { url: 'http://127.0.0.1:3', models: [{ name: 'a' }, { name: 'b', servedAs: 'a' }] },
    ]);
    expect(problems.map((p) => p.field)).toEqual(['upstreams.0.url', 'upstreams.1.url', 'upstreams.3.name', 'upstreams.4.models']);
    expect(problems[0]!.message).toMatch(/must not carry credentials/);
  });

  it('normalises base URLs to end in /v1', () => {
    expect(String(parseUpstreamUrl('http://127.0.0.1:8081'))).toBe('http://127.0.0.1:8081/v1');
    expect(String(parseUpstreamUrl('http://127.0.0.1:8081/v1/'))).toBe('http://127.0.0.1:8081/v1');
    expect(String(parseUpstreamUrl('https://api.example.com/openai/v1'))).toBe('https://api.example.com/openai/v1');
  });
});
