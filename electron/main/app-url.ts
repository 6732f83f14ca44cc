/**
 * Where the window's pages come from. The built renderer is served on a privileged scheme of
 * our own rather than from file:// URLs, so that it has a real origin: `'self'` in its
 * Content-Security-Policy means the app and nothing else, and its module scripts and workers
 * load as they do in serve mode.
 */
export const APP_SCHEME = 'strata';
const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_PAGE = `${APP_ORIGIN}/index.html`;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Whether `url` is one of the app's own pages or files. (Node's URL gives a custom scheme no origin, hence the parts.) */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed?.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
}

/**
 * What to do with a navigation or a window the page asks for: the app's own pages stay in the
 * window, web links open in the person's browser, anything else (file:, javascript:, data:…)
 * is refused.
 */
export function navigationVerdict(url: string): 'allow' | 'external' | 'block' {
  if (isAppUrl(url)) return 'allow';
  const protocol = parse(url)?.protocol;
  return protocol === 'https:' || protocol === 'http:' ? 'external' : 'block';
}

/**
 * The one permission the window gets: writing text to the clipboard (copy in the code editor).
 * Camera, microphone, notifications, geolocation and the rest are refused.
 */
export function allowsPermission(permission: string, requestingUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl);
}
