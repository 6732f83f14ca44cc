/**
 * Automatic layer names as Keras gives them: the snake_case class name, then `_1`, `_2`, …
 * per prefix. Counters are per evaluation of a model file (`resetNames`), so the same file
 * always gives the same names.
 */
const counters = new Map<string, number>();

export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export function uniqueName(prefix: string): string {
  const n = counters.get(prefix) ?? 0;
  counters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

export function resetNames(): void {
  counters.clear();
}

/** snake_case config keys (Keras' config.json) to the camelCase options our constructors take. */
export function camelizeKeys(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    out[key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = value;
  }
  return out;
}
