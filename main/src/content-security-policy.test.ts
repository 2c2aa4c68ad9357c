// The Content-Security-Policy header the window's pages get: strict for scripts, and only on the app's origin.
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, installContentSecurityPolicy, withContentSecurityPolicy } from './content-security-policy.ts';

function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split(';').map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe('the Content-Security-Policy', () => {
  it('allows scripts only from the app origin, never inline or eval, and no plugins, frames or forms', () => {
    const policy = directives(CONTENT_SECURITY_POLICY);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('frame-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('form-action')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\*\s|https?:\/\/\*/);
    expect(policy.get('connect-src')!.every((source) => source === "'self'" || source.startsWith('http://127.0.0.1:'))).toBe(true);
  });

  it('replaces a policy the server sent, whatever the header case', () => {
    const headers = withContentSecurityPolicy({ 'content-type': ['text/html'], 'content-security-policy': ["default-src *"] });
    expect(headers['content-type']).toEqual(['text/html']);
    expect(Object.keys(headers).filter((name) => name.toLowerCase() === 'content-security-policy')).toEqual(['Content-Security-Policy']);
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
  });

  it('is added to the app origin’s responses and leaves other responses alone', () => {
    let listener: (details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (response: object) => void) => void = () => undefined;
    const session = { webRequest: { onHeadersReceived: (handler: typeof listener) => (listener = handler) } };
    installContentSecurityPolicy(session as never, (url) => url.startsWith('http://127.0.0.1:5000/'));
    const respond = (url: string) => {
      let response: { responseHeaders?: Record<string, string[]> } = {};
      listener({ url, responseHeaders: { 'content-type': ['text/html'] } }, (value) => (response = value));
      return response;
    };
    expect(respond('http://127.0.0.1:5000/index.html').responseHeaders?.['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(respond('https://example.com/')).toEqual({});
  });
});
