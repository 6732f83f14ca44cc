import { ValueError } from './errors.js';
import type { Layer } from './layer.js';

/** A layer class that can be rebuilt from its config. */
export interface LayerClass {
  new (...args: never[]): Layer;
  readonly className?: string;
  registeredName?: string;
  fromConfig(config: Record<string, unknown>): Layer;
}

const builtins = new Map<string, LayerClass>();
const custom = new Map<string, LayerClass>();

/** Built-in layers, by Keras class name (and older aliases such as `Model`). */
export function registerBuiltin(cls: LayerClass, ...aliases: string[]): void {
  for (const name of [cls.className ?? cls.name, ...aliases]) builtins.set(name, cls);
}

/**
 * Registers a custom layer class so that saved models can be rebuilt. `registerLayer('L1', L1)`
 * writes it with `registered_name` `strata>L1`, the way Keras writes `package>Name`; a name
 * with its package, `registerLayer('MyLayers>L1', L1)`, supplies the class a Keras file names.
 */
export function registerLayer(name: string, cls: LayerClass): LayerClass {
  const match = typeof name === 'string' ? /^(?:([\w.-]+)>)?([A-Za-z_]\w*)$/.exec(name) : null;
  if (!match) {
    throw new ValueError(
      `registerLayer needs a class name made of letters, digits and _, optionally after its package ('MyLayers>L1'); received ${JSON.stringify(name)}.`,
    );
  }
  if (typeof cls !== 'function') {
    throw new ValueError(`registerLayer("${name}", …) needs a layer class; received ${typeof cls}.`);
  }
  const [, pkg, className] = match as unknown as [string, string | undefined, string];
  cls.registeredName = `${pkg ?? 'strata'}>${className}`;
  Object.defineProperty(cls, 'className', { value: className, configurable: true });
  custom.set(cls.registeredName, cls);
  return cls;
}

/** The built-in classes by every name they answer to (tests check each one round-trips through a file). */
export function builtinLayerClasses(): ReadonlyMap<string, LayerClass> {
  return builtins;
}

export function lookupLayerClass(className: string, registeredName: string | null | undefined): LayerClass | undefined {
  if (registeredName && custom.has(registeredName)) return custom.get(registeredName);
  return builtins.get(className);
}

/** Custom classes are per model-file evaluation, like layer names. */
export function resetCustomLayers(): void {
  custom.clear();
}
