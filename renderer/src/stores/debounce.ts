/** A call that runs `ms` after the last request; `flush` runs a waiting call now. */
export interface Debounced {
  schedule(): void;
  cancel(): void;
  flush(): void;
  readonly waiting: boolean;
}

export function debounce(run: () => void, ms: number): Debounced {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return {
    schedule() {
      cancel();
      timer = setTimeout(() => {
        timer = null;
        run();
      }, ms);
    },
    cancel,
    flush() {
      if (timer === null) return;
      cancel();
      run();
    },
    get waiting() {
      return timer !== null;
    },
  };
}
