import { builtinLayer } from './builtin-layers.js';

const MODEL_CLASSES = new Set(['Functional', 'Model', 'Sequential', 'InputLayer']);

/**
 * The layer classes of a model config that are not built in (custom layers registered in the
 * model file), nested models and wrapped layers included; each class once, in order.
 */
export function customLayerClasses(entry: unknown, found: string[] = []): string[] {
  if (!entry || typeof entry !== 'object') return found;
  const e = entry as { class_name?: unknown; registered_name?: unknown; config?: Record<string, unknown> };
  if (typeof e.class_name !== 'string') return found;
  const custom =
    (typeof e.registered_name === 'string' && e.registered_name.startsWith('strata>')) ||
    (!MODEL_CLASSES.has(e.class_name) && !builtinLayer(e.class_name));
  if (custom && !found.includes(e.class_name)) found.push(e.class_name);
  const config = e.config ?? {};
  if (Array.isArray(config.layers)) for (const layer of config.layers) customLayerClasses(layer, found);
  customLayerClasses(config.layer, found);
  customLayerClasses(config.backward_layer, found);
  return found;
}

/** Why the graph view cannot edit a model with custom layers. */
export function customLayersReason(classes: string[]): string {
  return `This model defines custom layers (${classes.join(', ')}); edit it as code.`;
}
