import { describe, expect, it } from 'vitest';
import { APP_PAGE, allowsPermission, isAppUrl, navigationVerdict } from '../../electron/main/app-url.js';

describe("the window's pages and where they may go", () => {
  it("keeps the app's own pages in the window", () => {
    expect(isAppUrl(APP_PAGE)).toBe(true);
    expect(navigationVerdict(APP_PAGE)).toBe('allow');
    expect(navigationVerdict('strata://app/index.html#/project')).toBe('allow');
  });

  it('sends web links to the browser', () => {
    expect(navigationVerdict('https://keras.io/api/layers/')).toBe('external');
    expect(navigationVerdict('http://127.0.0.1:8080/')).toBe('external');
  });

  it('refuses everything else: files, scripts, data, other hosts of our scheme', () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,<h1>x</h1>', 'strata://evil/index.html', 'not a url']) {
      expect(navigationVerdict(url)).toBe('block');
    }
  });

  it('grants clipboard writes to the app and no other permission to anyone', () => {
    expect(allowsPermission('clipboard-sanitized-write', APP_PAGE)).toBe(true);
    expect(allowsPermission('clipboard-sanitized-write', 'https://example.org/')).toBe(false);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      expect(allowsPermission(permission, APP_PAGE)).toBe(false);
    }
  });
});
