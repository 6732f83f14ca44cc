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
 * Registers a custom layer class so that saved models can be rebuilt; it is written with
 * `registered_name` `strata>Name`, the way Keras writes `package>Name`.
 */
export function registerLayer(name: string, cls: LayerClass): LayerClass {
  if (typeof name !== 'string' || !/^[A-Za-z_][\w]*$/.test(name)) {
    throw new ValueError(`registerLayer needs a class name made of letters, digits and _; received ${JSON.stringify(name)}.`);
  }
  if (typeof cls !== 'function') {
    throw new ValueError(`registerLayer("${name}", …) needs a layer class; received ${typeof cls}.`);
  }
  cls.registeredName = `strata>${name}`;
  Object.defineProperty(cls, 'className', { value: name, configurable: true });
  custom.set(cls.registeredName, cls);
  return cls;
}

export function lookupLayerClass(className: string, registeredName: string | null | undefined): LayerClass | undefined {
  if (registeredName && custom.has(registeredName)) return custom.get(registeredName);
  return builtins.get(className);
}

/** Custom classes are per model-file evaluation, like layer names. */
export function resetCustomLayers(): void {
  custom.clear();
}
