// Serving snippets point every client at the /v1 base of the endpoint and name the model.
import { describe, expect, it } from 'vitest';
import { apiBaseUrl, servingSnippets } from './snippets.ts';

describe('servingSnippets', () => {
  it('uses the /v1 base whether or not the URL has it', () => {
    expect(apiBaseUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/v1');
    expect(apiBaseUrl('http://127.0.0.1:8080/v1')).toBe('http://127.0.0.1:8080/v1');
  });

  it('gives curl, JS and Python snippets for the model', () => {
    const snippets = servingSnippets({ url: 'http://127.0.0.1:8080', model: 'tiny-gpt' });
    expect(snippets.map((snippet) => snippet.id)).toEqual(['curl', 'js', 'python']);
    expect(snippets[0]!.code).toContain('curl http://127.0.0.1:8080/v1/chat/completions');
    for (const snippet of snippets) expect(snippet.code).toContain('"tiny-gpt"');
    expect(snippets[2]!.code).toContain('base_url="http://127.0.0.1:8080/v1"');
  });
});
