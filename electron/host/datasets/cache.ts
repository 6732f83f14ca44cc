/**
 * Prepared datasets kept in memory, least recently used first out once they hold more than a
 * byte budget. Two requests for the same key while it loads share one load.
 */
export interface Sized {
  bytes: number;
}

export const DEFAULT_CACHE_BYTES = 1024 ** 3;

export class DatasetCache<T extends Sized> {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, T>();
  private readonly loading = new Map<string, Promise<T>>();
  private held = 0;

  constructor(private readonly maxBytes: number = DEFAULT_CACHE_BYTES) {}

  /** Bytes the kept entries hold. */
  get bytes(): number {
    return this.held;
  }

  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const pending = this.loading.get(key);
    if (pending) return pending;
    const started = load().then(
      (value) => {
        this.loading.delete(key);
        this.keep(key, value);
        return value;
      },
      (error: unknown) => {
        this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, started);
    return started;
  }

  private keep(key: string, value: T): void {
    // One dataset larger than the whole budget is used but not kept.
    if (value.bytes > this.maxBytes) return;
    this.entries.set(key, value);
    this.held += value.bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.held -= entry.bytes;
    }
  }
}
