/**
 * Undo history of one model as snapshots of its code, shared by the code editor and the
 * graph: a burst of typing is one entry (replaced in place until the pause that ends it), a
 * graph edit is one entry of its own.
 */
export class CodeHistory {
  private entries: string[];
  private index = 0;
  private burstOpen = false;

  constructor(initial: string) {
    this.entries = [initial];
  }

  get current(): string {
    return this.entries[this.index]!;
  }

  get canUndo(): boolean {
    return this.index > 0;
  }

  get canRedo(): boolean {
    return this.index < this.entries.length - 1;
  }

  /** Code typed in the editor: joins the burst in progress, or starts one. */
  typed(code: string): void {
    if (code === this.current) return;
    if (this.burstOpen) {
      this.entries[this.index] = code;
      this.entries.length = this.index + 1;
    } else {
      this.push(code);
      this.burstOpen = true;
    }
  }

  /** The person paused: the next keystroke starts a new entry. */
  pause(): void {
    this.burstOpen = false;
  }

  /** Code replaced at once (a graph edit): always an entry of its own. */
  replaced(code: string): void {
    this.burstOpen = false;
    if (code !== this.current) this.push(code);
  }

  undo(): string | null {
    this.burstOpen = false;
    if (!this.canUndo) return null;
    this.index -= 1;
    return this.current;
  }

  redo(): string | null {
    this.burstOpen = false;
    if (!this.canRedo) return null;
    this.index += 1;
    return this.current;
  }

  private push(code: string): void {
    this.entries.length = this.index + 1;
    this.entries.push(code);
    this.index += 1;
  }
}
