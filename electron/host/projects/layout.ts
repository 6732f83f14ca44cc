/**
 * Where each file of a project folder (DESIGN.md §5) lives, relative to the project's folder,
 * written with "/" on every platform since the person sees these names.
 */
import type { ModelLayout } from '../../../shared/ipc/index.js';

export const MANIFEST_FILE = 'strata.json';
export const MODELS_FOLDER = 'models';
/** Folders of part 2 (datasets, training runs): Save As takes them along, nothing else touches them. */
export const WORK_FOLDERS = ['datasets', 'runs'] as const;
export const RECOVERY_FILE = '.strata/recovery.json';

export const modelCodeFile = (name: string): string => `${MODELS_FOLDER}/${name}.ts`;
export const modelLayoutFile = (name: string): string => `${MODELS_FOLDER}/${name}.layout.json`;

/** What a model's graph view starts from before the person arranges anything. */
export function defaultLayout(): ModelLayout {
  return { positions: {}, expanded: [], rankdir: 'TB' };
}

/** JSON as the project's files hold it: indented, so that a diff of two saves reads well. */
export function projectJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
