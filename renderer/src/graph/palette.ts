/** The palette's list: layer classes matching the search, grouped by family in catalog order. */
import type { LayerClass } from '../../../shared/ipc/index.js';

export interface PaletteGroup {
  family: string;
  classes: LayerClass[];
}

/**
 * Classes whose name (or family) contains every word of the query, case-insensitively;
 * within a family, names that start with the query come first.
 */
export function paletteGroups(catalog: readonly LayerClass[], query: string): PaletteGroup[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const q = words.join('');
  const groups = new Map<string, LayerClass[]>();
  for (const c of catalog) {
    const name = c.className.toLowerCase();
    const haystack = `${name} ${c.family.toLowerCase()}`;
    if (!words.every((w) => haystack.includes(w))) continue;
    if (!groups.has(c.family)) groups.set(c.family, []);
    groups.get(c.family)!.push(c);
  }
  const starts = (c: LayerClass) => (q && c.className.toLowerCase().startsWith(q) ? 0 : 1);
  return [...groups].map(([family, classes]) => ({ family, classes: [...classes].sort((a, b) => starts(a) - starts(b)) }));
}

/** The classes in the order the list shows them, for moving through it with the arrow keys. */
export function paletteOrder(groups: readonly PaletteGroup[]): LayerClass[] {
  return groups.flatMap((g) => g.classes);
}
