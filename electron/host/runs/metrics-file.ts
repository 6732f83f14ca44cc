/**
 * `metrics.jsonl`: one JSON object per line, appended by the training thread as values come.
 * A kill can cut the last line short, so readers take complete lines only (up to the last
 * newline); resuming a run rewrites the file (atomically) to the lines of the epochs it keeps.
 *
 *   {"scope":"batch","x":<global batch index>,"epoch":<epoch index>,"logs":{"loss":…}}
 *   {"scope":"epoch","x":<epochs completed>,"epoch":<epoch index>,"logs":{"loss":…,"val_loss":…}}
 */
import { open, readFile, stat } from 'node:fs/promises';
import type { RunMetrics } from '../../../shared/ipc/index.js';
import { writeFileAtomic } from '../../engine/io/atomic-write.js';
import { isNotFound } from '../projects/files.js';

export interface MetricsLine {
  scope: 'batch' | 'epoch';
  x: number;
  /** The index of the epoch the line belongs to (0 for the first). */
  epoch: number;
  logs: Record<string, number>;
}

export function formatMetricsLine(line: MetricsLine): string {
  return `${JSON.stringify(line)}\n`;
}

function parseLine(text: string): MetricsLine | null {
  try {
    const value = JSON.parse(text) as Partial<MetricsLine>;
    if ((value.scope === 'batch' || value.scope === 'epoch') && typeof value.x === 'number' && typeof value.epoch === 'number' && value.logs && typeof value.logs === 'object') {
      return value as MetricsLine;
    }
  } catch {
    // a line that is not JSON is skipped like a cut one
  }
  return null;
}

/** The complete lines of a chunk of the file, and how many characters they take. */
export function parseMetricsText(text: string): { lines: MetricsLine[]; consumed: number } {
  const end = text.lastIndexOf('\n') + 1;
  const lines: MetricsLine[] = [];
  forEachLine(text.slice(0, end), (line) => lines.push(line));
  return { lines, consumed: end };
}

const SCOPE = '{"scope":"';
const X = '","x":';
const EPOCH = ',"epoch":';
const LOGS = ',"logs":{';

/**
 * Calls `take` for each line of `text` (complete lines only). Lines as formatMetricsLine writes
 * them are scanned directly — a comparison reads millions of them, and JSON.parse with the
 * objects it builds takes most of that time; any other form (an escaped name, a null for NaN)
 * goes through JSON.parse.
 */
function forEachLine(text: string, take: (line: MetricsLine) => void): void {
  let start = 0;
  for (let end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
    if (end === start) continue;
    const line = scanLine(text, start, end) ?? parseLine(text.slice(start, end));
    if (line) take(line);
  }
}

function scanLine(text: string, start: number, end: number): MetricsLine | null {
  if (!text.startsWith(SCOPE, start)) return null;
  let p = start + SCOPE.length;
  const scopeEnd = text.indexOf('"', p);
  const scope = text.slice(p, scopeEnd);
  if ((scope !== 'batch' && scope !== 'epoch') || !text.startsWith(X, scopeEnd)) return null;
  p = scopeEnd + X.length;
  const xEnd = text.indexOf(',', p);
  const x = Number(text.slice(p, xEnd));
  if (xEnd < 0 || xEnd > end || !text.startsWith(EPOCH, xEnd)) return null;
  p = xEnd + EPOCH.length;
  const epochEnd = text.indexOf(',', p);
  const epoch = Number(text.slice(p, epochEnd));
  if (epochEnd < 0 || epochEnd > end || !text.startsWith(LOGS, epochEnd) || !Number.isFinite(x) || !Number.isFinite(epoch)) return null;
  p = epochEnd + LOGS.length;
  const logs: Record<string, number> = {};
  while (text.charCodeAt(p) === 0x22 /* " */) {
    const keyEnd = text.indexOf('"', p + 1);
    if (keyEnd < 0 || keyEnd > end || text.charCodeAt(keyEnd + 1) !== 0x3a /* : */) return null;
    const key = text.slice(p + 1, keyEnd);
    if (key.includes('\\')) return null;
    let valueEnd = keyEnd + 2;
    while (valueEnd < end && text.charCodeAt(valueEnd) !== 0x2c /* , */ && text.charCodeAt(valueEnd) !== 0x7d /* } */) valueEnd++;
    const value = Number(text.slice(keyEnd + 2, valueEnd));
    if (valueEnd === keyEnd + 2 || !Number.isFinite(value)) return null;
    logs[key] = value;
    p = text.charCodeAt(valueEnd) === 0x2c ? valueEnd + 1 : valueEnd;
  }
  return p + 2 === end && text.charCodeAt(p) === 0x7d && text.charCodeAt(p + 1) === 0x7d ? { scope, x, epoch, logs } : null;
}

export async function readMetricsLines(path: string): Promise<MetricsLine[]> {
  try {
    return parseMetricsText(await readFile(path, 'utf8')).lines;
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** Keeps the lines of the first `epochs` epochs: what a run resumed from the checkpoint after them had recorded. */
export async function truncateMetrics(path: string, epochs: number): Promise<MetricsLine[]> {
  const kept = (await readMetricsLines(path)).filter((l) => l.epoch < epochs);
  writeFileAtomic(path, kept.map(formatMetricsLine).join(''));
  return kept;
}

class Series {
  x: number[] = [];
  y: number[] = [];
}

/** One run's metrics as read so far, grown by reading only what was appended since. */
class MetricsSnapshot {
  ino = -1;
  /** Bytes of the file read (complete lines only). */
  offset = 0;
  batch = new Map<string, Series>();
  epoch = new Map<string, Series>();

  add(line: MetricsLine): void {
    const table = line.scope === 'batch' ? this.batch : this.epoch;
    for (const name in line.logs) {
      const value = line.logs[name];
      if (typeof value !== 'number') continue;
      let series = table.get(name);
      if (!series) table.set(name, (series = new Series()));
      series.x.push(line.x);
      series.y.push(value);
    }
  }

  toRunMetrics(id: string): RunMetrics {
    const out = (table: Map<string, Series>) =>
      Object.fromEntries([...table].map(([name, s]) => [name, { x: Float64Array.from(s.x), y: Float64Array.from(s.y) }]));
    return { id, batch: out(this.batch), epoch: out(this.epoch) };
  }
}

/**
 * Reads runs' metrics files, keeping what it read: a finished run is parsed once, and a run in
 * training only from where the last read stopped. A rewritten file (a resume) is read afresh.
 */
export class MetricsReader {
  private readonly snapshots = new Map<string, MetricsSnapshot>();
  /** The read in progress per file: reads of one file run one after the other, or both would add the same lines. */
  private readonly reading = new Map<string, Promise<unknown>>();

  read(id: string, path: string): Promise<RunMetrics> {
    const previous = this.reading.get(path) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.readNow(id, path));
    this.reading.set(path, next);
    void next.finally(() => {
      if (this.reading.get(path) === next) this.reading.delete(path);
    }).catch(() => undefined);
    return next;
  }

  private async readNow(id: string, path: string): Promise<RunMetrics> {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      this.snapshots.delete(path);
      return new MetricsSnapshot().toRunMetrics(id);
    }
    let snapshot = this.snapshots.get(path);
    if (!snapshot || snapshot.ino !== info.ino || info.size < snapshot.offset) {
      snapshot = new MetricsSnapshot();
      snapshot.ino = info.ino;
      this.snapshots.set(path, snapshot);
    }
    if (info.size > snapshot.offset) {
      const file = await open(path, 'r');
      try {
        const bytes = Buffer.alloc(info.size - snapshot.offset);
        const { bytesRead } = await file.read(bytes, 0, bytes.length, snapshot.offset);
        const chunk = bytes.subarray(0, bytesRead);
        // Lines are cut at newline bytes, so a multi-byte character is never split.
        const end = chunk.lastIndexOf(0x0a) + 1;
        forEachLine(chunk.subarray(0, end).toString('utf8'), (line) => snapshot.add(line));
        snapshot.offset += end;
      } finally {
        await file.close();
      }
    }
    return snapshot.toRunMetrics(id);
  }

  forget(path: string): void {
    this.snapshots.delete(path);
  }
}
