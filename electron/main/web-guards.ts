/**
 * What any page in the app may do beyond showing itself: nothing. Navigation away from the
 * app, new windows, embedded webviews and permission prompts are refused; web links open in
 * the person's browser.
 */
import { shell, type Session, type WebContents } from 'electron';
import { allowsPermission, navigationVerdict } from './app-url.js';

function openIfWebLink(url: string): void {
  if (navigationVerdict(url) === 'external') void shell.openExternal(url);
}

export function guardWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (navigationVerdict(event.url) === 'allow') return;
    event.preventDefault();
    openIfWebLink(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (navigationVerdict(event.url) !== 'allow') event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openIfWebLink(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export function guardPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => callback(allowsPermission(permission, details.requestingUrl)));
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => allowsPermission(permission, requestingOrigin));
}
