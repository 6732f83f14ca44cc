import { TypeError_ } from '../graph/errors.js';
import type { Layer } from '../graph/layer.js';

/** Positional values; each may be left out (the layer's constructor reports a missing required one). */
type Values<A, K extends readonly (keyof A)[]> = { [I in keyof K]?: A[K[I]] };

/** A Keras-style constructor: required arguments by position, then options; or one options object. */
export interface LayerFactory<A, L extends Layer, K extends readonly (keyof A)[]> {
  (...args: [...Values<A, K>, Omit<A, K[number]>?]): L;
  (options: A): L;
  /** The options taken by position, in order (model code generation writes calls with them). */
  readonly positional: K;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Turns a layer class taking one options object into the factory model files call:
 * `factory(Dense, ['units'])` gives `Dense(64, { activation: 'relu' })`.
 */
export function factory<A, L extends Layer, const K extends readonly (keyof NonNullable<A> & string)[]>(
  cls: (new (args: A) => L) & { className?: string },
  positional: K,
): LayerFactory<NonNullable<A>, L, K> {
  const make = (...given: unknown[]): L => {
    const hasOptions = given.length > 0 && isPlainObject(given[given.length - 1]);
    const values = hasOptions ? given.slice(0, -1) : given;
    const options = hasOptions ? { ...(given[given.length - 1] as Record<string, unknown>) } : {};
    if (values.length > positional.length) {
      throw new TypeError_(
        `${cls.className ?? cls.name}() takes ${positional.length ? `the positional argument(s) ${positional.join(', ')}` : 'no positional arguments'} and then an options object; received ${given.length} arguments.`,
      );
    }
    positional.forEach((key, i) => {
      if (i >= values.length) return;
      if (key in options) {
        throw new TypeError_(`${cls.className ?? cls.name}() got \`${key}\` both by position and in its options.`);
      }
      options[key] = values[i];
    });
    return new cls(options as A);
  };
  return Object.assign(make, { positional }) as LayerFactory<NonNullable<A>, L, K>;
}
