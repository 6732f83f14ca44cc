import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_WINDOW_STATE,
  MIN_SIZE,
  fitToDisplays,
  parseWindowState,
  readWindowState,
  writeWindowState,
} from '../../electron/main/window-state.js';

const laptop = { x: 0, y: 0, width: 1440, height: 875 };
const monitorRight = { x: 1440, y: 0, width: 2560, height: 1400 };

describe('the remembered window state', () => {
  it('comes back as it was saved', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'strata-window-')), 'window-state.json');
    const state = { bounds: { x: 1600, y: 120, width: 1800, height: 1100 }, maximized: true };
    await writeWindowState(file, state);
    expect(await readWindowState(file)).toEqual(state);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(state);
  });

  it('leaves no temporary file beside the state it wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-window-'));
    await writeWindowState(join(dir, 'window-state.json'), DEFAULT_WINDOW_STATE);
    expect(readdirSync(dir)).toEqual(['window-state.json']);
  });

  it('falls back to the default when the file is missing, damaged or from something else', async () => {
    expect(await readWindowState(join(tmpdir(), 'strata-no-such-dir', 'window-state.json'))).toEqual(DEFAULT_WINDOW_STATE);
    expect(parseWindowState('{"bounds": {"width": 900')).toEqual(DEFAULT_WINDOW_STATE);
    expect(parseWindowState('{"bounds": {"width": -5, "height": 600}, "maximized": false}')).toEqual(DEFAULT_WINDOW_STATE);
    expect(parseWindowState('[1, 2]')).toEqual(DEFAULT_WINDOW_STATE);
  });
});

describe('fitting the window to the displays there are', () => {
  it('keeps a place on a second monitor while that monitor is there', () => {
    const state = { bounds: { x: 1600, y: 100, width: 1800, height: 1100 }, maximized: false };
    expect(fitToDisplays(state, [laptop, monitorRight])).toEqual(state);
  });

  it('brings the window back to the primary display, centred and shrunk to fit, when its monitor is gone', () => {
    const state = { bounds: { x: 1600, y: 100, width: 1800, height: 1100 }, maximized: true };
    const fitted = fitToDisplays(state, [laptop]);
    expect(fitted).toEqual({ bounds: { x: 0, y: 0, width: 1440, height: 875 }, maximized: true });
  });

  it('does not keep a place whose title bar is above the top of every display', () => {
    const fitted = fitToDisplays({ bounds: { x: 100, y: -200, width: 1000, height: 700 }, maximized: false }, [laptop]);
    expect(fitted.bounds).toEqual({ x: 220, y: 88, width: 1000, height: 700 });
  });

  it('centres a window that has no remembered place and never makes it smaller than the minimum', () => {
    const fitted = fitToDisplays({ bounds: { width: 300, height: 200 }, maximized: false }, [laptop]);
    expect(fitted.bounds).toEqual({ x: (1440 - MIN_SIZE.width) / 2, y: Math.round((875 - MIN_SIZE.height) / 2), ...MIN_SIZE });
  });
});
