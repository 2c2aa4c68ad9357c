// Navigation, redirects, window.open, <webview> and permission requests are kept to the app's own origin.
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { guardWebContents, isExternalLink, isSameOrigin, restrictPermissions } from './navigation-guard.ts';

const APP = 'http://127.0.0.1:41234';

function fakeContents() {
  const contents = Object.assign(new EventEmitter(), {
    openHandler: null as null | ((details: { url: string }) => { action: string }),
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      contents.openHandler = handler;
    },
  });
  const openExternal = vi.fn();
  const log = vi.fn();
  guardWebContents(contents as never, { isAppUrl: (url) => isSameOrigin(url, APP), openExternal, log });
  return { contents, openExternal, log };
}

function navigate(contents: EventEmitter, event: string, url: string): boolean {
  const details = { url, preventDefault: vi.fn() };
  contents.emit(event, details, url);
  return details.preventDefault.mock.calls.length === 0;
}

describe('guardWebContents', () => {
  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])('%s: allows the app origin, cancels every other', (event) => {
    const { contents, log } = fakeContents();
    expect(navigate(contents, event, `${APP}/runs/3`)).toBe(true);
    expect(navigate(contents, event, 'https://evil.example/')).toBe(false);
    expect(navigate(contents, event, 'http://127.0.0.1:9999/')).toBe(false);
    expect(navigate(contents, event, 'file:///etc/passwd')).toBe(false);
    expect(navigate(contents, event, 'not a url')).toBe(false);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('https://evil.example/'));
  });

  it('never opens a window; https links go to the browser, anything else is dropped', () => {
    const { contents, openExternal } = fakeContents();
    expect(contents.openHandler!({ url: 'https://github.com/crucible' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://github.com/crucible');
    for (const url of [`${APP}/popup`, 'http://evil.example/', 'file:///tmp/x', 'javascript:alert(1)', 'smb://host/share']) {
      expect(contents.openHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(openExternal).toHaveBeenCalledTimes(1);
  });

  it('refuses to attach a <webview>', () => {
    const { contents } = fakeContents();
    const event = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', event, {}, {});
    expect(event.preventDefault).toHaveBeenCalled();
  });
});

describe('origins and links', () => {
  it('compares scheme, host and port', () => {
    expect(isSameOrigin(`${APP}/a?b#c`, APP)).toBe(true);
    expect(isSameOrigin('http://127.0.0.1:41235/', APP)).toBe(false);
    expect(isSameOrigin('https://127.0.0.1:41234/', APP)).toBe(false);
    expect(isSameOrigin('http://localhost:41234/', APP)).toBe(false);
  });

  it('treats only https as an external link', () => {
    expect(isExternalLink('https://example.com')).toBe(true);
    expect(isExternalLink('http://example.com')).toBe(false);
    expect(isExternalLink('file:///x')).toBe(false);
  });
});

describe('restrictPermissions', () => {
  it('denies every permission but clipboard writes from the app itself', () => {
    let request: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void = () => undefined;
    let check: (contents: unknown, permission: string, origin: string) => boolean = () => true;
    const session = {
      setPermissionRequestHandler: (handler: typeof request) => (request = handler),
      setPermissionCheckHandler: (handler: typeof check) => (check = handler),
    };
    restrictPermissions(session as never, (url) => isSameOrigin(url, APP));
    const ask = (permission: string, url: string) => {
      let granted: boolean | undefined;
      request({ getURL: () => url }, permission, (value) => (granted = value));
      return granted;
    };
    expect(ask('clipboard-sanitized-write', `${APP}/`)).toBe(true);
    expect(ask('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'fileSystem', 'clipboard-read']) {
      expect(ask(permission, `${APP}/`)).toBe(false);
    }
    expect(check(null, 'clipboard-sanitized-write', APP)).toBe(true);
    expect(check(null, 'media', APP)).toBe(false);
  });
});
