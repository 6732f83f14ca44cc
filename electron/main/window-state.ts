/**
 * The window's size and place, remembered between launches in `<userData>/window-state.json`.
 * A remembered place on a display that is gone (a laptop off its monitor) is not restored:
 * the window comes back centred on the primary display instead of off-screen.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeTextAtomic } from '../host/projects/files.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** The window's bounds when not maximized; no position means centred. */
  bounds: Partial<Pick<Rect, 'x' | 'y'>> & Pick<Rect, 'width' | 'height'>;
  maximized: boolean;
}

export const MIN_SIZE = { width: 800, height: 560 };
export const DEFAULT_WINDOW_STATE: WindowState = { bounds: { width: 1400, height: 900 }, maximized: false };
/** A remembered place is kept when this much of the title bar is on a display: enough to grab it. */
const GRAB_WIDTH = 64;
const TITLE_BAR_HEIGHT = 32;

const stored = z.object({
  bounds: z.object({
    x: z.number().int().optional(),
    y: z.number().int().optional(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
  }),
  maximized: z.boolean(),
});

/** The state in a file's text; anything unreadable gives the default rather than a failed launch. */
export function parseWindowState(text: string | null): WindowState {
  if (text === null) return DEFAULT_WINDOW_STATE;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return DEFAULT_WINDOW_STATE;
  }
  const parsed = stored.safeParse(json);
  return parsed.success ? parsed.data : DEFAULT_WINDOW_STATE;
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * The state as it can be shown on these displays (their work areas, primary first): no larger
 * than the display it lands on, no smaller than MIN_SIZE, and placed where its title bar can
 * be grabbed; otherwise centred on the primary display.
 */
export function fitToDisplays(state: WindowState, workAreas: readonly Rect[]): WindowState {
  const primary = workAreas[0];
  if (!primary) return state;
  const { x, y } = state.bounds;
  const titleBar = x !== undefined && y !== undefined ? { x, y, width: state.bounds.width, height: TITLE_BAR_HEIGHT } : null;
  const home = titleBar
    ? workAreas.find((area) => {
        const o = overlap(titleBar, area);
        return o.width >= GRAB_WIDTH && o.height >= TITLE_BAR_HEIGHT;
      })
    : undefined;
  const area = home ?? primary;
  const width = Math.max(Math.min(state.bounds.width, area.width), Math.min(MIN_SIZE.width, area.width));
  const height = Math.max(Math.min(state.bounds.height, area.height), Math.min(MIN_SIZE.height, area.height));
  if (!home || !titleBar) {
    const centred = { x: area.x + Math.round((area.width - width) / 2), y: area.y + Math.round((area.height - height) / 2), width, height };
    return { bounds: centred, maximized: state.maximized };
  }
  return { bounds: { x: titleBar.x, y: titleBar.y, width, height }, maximized: state.maximized };
}

export async function readWindowState(file: string): Promise<WindowState> {
  try {
    return parseWindowState(await readFile(file, 'utf8'));
  } catch {
    return DEFAULT_WINDOW_STATE;
  }
}

export function writeWindowState(file: string, state: WindowState): Promise<void> {
  return writeTextAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
}
