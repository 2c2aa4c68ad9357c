// Copyable snippets for calling a served model: curl, the JS `openai` client and the Python `openai` client, all
// pointed at the endpoint's OpenAI-compatible /v1 base URL.

export interface SnippetTarget {
  /** The service URL, e.g. http://127.0.0.1:8080 (with or without /v1). */
  url: string;
  model: string;
}

export interface Snippet {
  id: 'curl' | 'js' | 'python';
  label: string;
  code: string;
}

export function apiBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}

export function servingSnippets(target: SnippetTarget): Snippet[] {
  const base = apiBaseUrl(target.url);
  const model = JSON.stringify(target.model);
  return [
    {
      id: 'curl',
      label: 'curl',
      code: [
        `curl ${base}/chat/completions \\`,
        '  -H "Content-Type: application/json" \\',
        '  -H "Authorization: Bearer $CRUCIBLE_API_KEY" \\',
        `  -d '{"model": ${model}, "messages": [{"role": "user", "content": "Hello"}]}'`,
      ].join('\n'),
    },
    {
      id: 'js',
      label: 'JavaScript (openai)',
      code: [
        "import OpenAI from 'openai';",
        '',
        `const client = new OpenAI({ baseURL: ${JSON.stringify(base)}, apiKey: process.env.CRUCIBLE_API_KEY });`,
        `const reply = await client.chat.completions.create({ model: ${model}, messages: [{ role: 'user', content: 'Hello' }] });`,
        'console.log(reply.choices[0].message.content);',
      ].join('\n'),
    },
    {
      id: 'python',
      label: 'Python (openai)',
      code: [
        'import os',
        'from openai import OpenAI',
        '',
        `client = OpenAI(base_url=${JSON.stringify(base)}, api_key=os.environ["CRUCIBLE_API_KEY"])`,
        `reply = client.chat.completions.create(model=${model}, messages=[{"role": "user", "content": "Hello"}])`,
        'print(reply.choices[0].message.content)',
      ].join('\n'),
    },
  ];
}
