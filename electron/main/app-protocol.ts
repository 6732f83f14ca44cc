/**
 * Serves the built renderer on `strata://app/` with the studio's Content-Security-Policy on
 * every response (the policy serve mode sends too), and nothing from outside its folder.
 */
import { pathToFileURL } from 'node:url';
import { net, protocol, type Session } from 'electron';
import { contentSecurityPolicy, resolveStaticPath } from '../host/serve/static-files.js';
import { APP_ORIGIN, APP_SCHEME, isAppUrl } from './app-url.js';

/** Must run before the app is ready: the scheme gets an origin, fetch, and module workers. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
  ]);
}

export function serveRenderer(session: Session, rendererDir: string): void {
  const securityHeaders = {
    'Content-Security-Policy': contentSecurityPolicy(APP_ORIGIN),
    'X-Content-Type-Options': 'nosniff',
  };
  session.protocol.handle(APP_SCHEME, async (request) => {
    const path = isAppUrl(request.url) ? resolveStaticPath(rendererDir, new URL(request.url).pathname) : null;
    const file = path === null ? null : await net.fetch(pathToFileURL(path).href).catch(() => null);
    if (!file || !file.ok) {
      return new Response(`Not found: ${request.url}\n`, { status: 404, headers: { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8' } });
    }
    const headers = new Headers(file.headers);
    for (const [name, value] of Object.entries(securityHeaders)) headers.set(name, value);
    return new Response(file.body, { status: 200, headers });
  });
}
