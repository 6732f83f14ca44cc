/**
 * Names in generated model code: variables after layer names (`dense_1` → `dense1`), unique
 * within the file and clear of keywords and imports; and the automatic layer names the engine
 * would give at each point of the generated code, so that `name:` is written only where a
 * layer's name differs from it.
 */
import { toSnakeCase } from '../../engine/graph/naming.js';

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await async of arguments eval undefined NaN Infinity ' +
    'Input Model Sequential layers losses optimizers ops model console globalThis'
  ).split(' '),
);

/** `dense_1` → `dense1`, `block1_conv1` → `block1Conv1`, `2d-map` → `_2dMap`. */
export function camelIdentifier(name: string): string {
  const parts = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = parts.map((p, i) => (i === 0 ? p.charAt(0).toLowerCase() + p.slice(1) : p.charAt(0).toUpperCase() + p.slice(1))).join('');
  if (joined === '') return 'x';
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/** Hands out variable names, each once. */
export class VariableNames {
  private readonly taken = new Set<string>(RESERVED);

  take(base: string): string {
    let name = base;
    for (let n = 2; this.taken.has(name); n++) name = `${base}_${n}`;
    this.taken.add(name);
    return name;
  }
}

/** The prefix the engine's automatic names start with for a class (Layer.namePrefix). */
export function autoNamePrefix(className: string): string {
  if (className === 'Functional') return 'functional';
  if (className === 'Sequential') return 'sequential';
  return toSnakeCase(className);
}

/**
 * The engine's automatic naming (graph/naming.ts), replayed over the generated code: a layer
 * created without a name takes the next `prefix`, `prefix_1`, … and one given a name leaves
 * the counter where it was.
 */
export class AutoNames {
  constructor(private readonly counters = new Map<string, number>()) {}

  /** Whether a layer created now without a name would be called `name`; if so, it takes that name. */
  claim(className: string, name: string): boolean {
    const prefix = autoNamePrefix(className);
    const n = this.counters.get(prefix) ?? 0;
    if (name !== (n === 0 ? prefix : `${prefix}_${n}`)) return false;
    this.counters.set(prefix, n + 1);
    return true;
  }

  clone(): AutoNames {
    return new AutoNames(new Map(this.counters));
  }
}
