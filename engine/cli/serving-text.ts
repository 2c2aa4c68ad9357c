// What the commands that leave an endpoint up (`serve`, `run`) tell the user about reaching it, worded once so the
// two never drift apart: the base URL an OpenAI client takes, and how to get the API key it will ask for.

/** Printed when an endpoint checks API keys, so the first request's 401 is no surprise. */
export const API_KEY_HINT = 'Requests need an API key: create one with `crucible keys create --name NAME`.';

/**
 * The base URL of an endpoint listening at `url`, as OpenAI clients take it (`base_url`, `baseURL`): its routes live
 * under /v1, and a client given the bare address gets 404 on every call.
 */
export function openAiBaseUrl(url: string): string {
  return `${url.replace(/\/+$/, '')}/v1`;
}
