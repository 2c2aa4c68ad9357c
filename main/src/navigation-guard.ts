// Keeps every web page of the app on the app's own origin: navigations and redirects elsewhere are cancelled,
// window.open never makes a window (https links go to the user's browser), <webview> is refused, and permission
// requests are denied except writing to the clipboard from the app's own page.
import type { Session, WebContents } from 'electron';

export interface NavigationPolicy {
  isAppUrl: (url: string) => boolean;
  /** Hands an https link to the user's browser (`shell.openExternal`). */
  openExternal: (url: string) => void;
  log?: (message: string) => void;
}

export function isSameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === new URL(origin).origin;
  } catch {
    return false;
  }
}

export function guardWebContents(contents: WebContents, policy: NavigationPolicy): void {
  const refuse = (what: string) => (event: { url: string; preventDefault(): void }) => {
    if (policy.isAppUrl(event.url)) return;
    event.preventDefault();
    policy.log?.(`blocked ${what} to ${event.url}`);
  };
  contents.on('will-navigate', refuse('navigation'));
  contents.on('will-frame-navigate', refuse('frame navigation'));
  contents.on('will-redirect', refuse('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    policy.log?.('blocked a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) policy.openExternal(url);
    else policy.log?.(`blocked window.open of ${url}`);
    return { action: 'deny' };
  });
}

/** Only plain https links leave the app, never file:, custom schemes or http to other machines. */
export function isExternalLink(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

const GRANTED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

export function restrictPermissions(session: Session, isAppUrl: (url: string) => boolean): void {
  session.setPermissionRequestHandler((contents, permission, callback) => {
    callback(GRANTED_PERMISSIONS.has(permission) && isAppUrl(contents.getURL()));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => GRANTED_PERMISSIONS.has(permission) && isAppUrl(requestingOrigin));
}
