/**
 * The open project (DESIGN.md §5) as the person edits it: the working copy of each model's
 * code and layout, what was last saved (so each model and the project know whether they are
 * dirty), the recent list and templates, and the recovery file that keeps unsaved edits.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ModelLayout, Project, ProjectModel, ProjectTemplate, RecentProject } from '../../../shared/ipc/index.js';
import { debounce } from './debounce.js';
import { strataApi } from './strata-api.js';

/** How long after the last edit unsaved work is copied to the recovery file. */
export const RECOVERY_DELAY_MS = 2000;

export interface RecoveryOffer {
  savedAt: string;
  models: ProjectModel[];
}

function fingerprint(model: ProjectModel): string {
  return JSON.stringify([model.code, model.layout.rankdir, model.layout.expanded, Object.entries(model.layout.positions)]);
}

function copyModel(model: ProjectModel): ProjectModel {
  return {
    name: model.name,
    code: model.code,
    layout: { positions: { ...model.layout.positions }, expanded: [...model.layout.expanded], rankdir: model.layout.rankdir },
  };
}

export const useProjectStore = defineStore('project', () => {
  const project = shallowRef<Project | null>(null);
  const models = ref<ProjectModel[]>([]);
  const saved = ref<Record<string, string>>({});
  const activeModel = ref<string | null>(null);
  const recent = ref<RecentProject[]>([]);
  const templates = ref<ProjectTemplate[]>([]);
  const recoveryOffer = shallowRef<RecoveryOffer | null>(null);
  const savedAt = ref<string | null>(null);
  /** Counts the times the working copies were replaced wholesale (open, restore), so editors reload. */
  const revision = ref(0);
  const recoveryError = ref<string | null>(null);

  const dirtyModels = computed(() => new Set(models.value.filter((m) => saved.value[m.name] !== fingerprint(m)).map((m) => m.name)));
  const dirty = computed(() => dirtyModels.value.size > 0);
  const name = computed(() => project.value?.manifest.name ?? null);

  const writeRecoverySoon = debounce(() => void writeRecovery(), RECOVERY_DELAY_MS);

  async function writeRecovery(): Promise<void> {
    const current = project.value;
    if (!current || !dirty.value) return;
    try {
      await strataApi().invoke('project.writeRecovery', { dir: current.dir, models: models.value.map(copyModel) });
      recoveryError.value = null;
    } catch (error) {
      recoveryError.value = `Unsaved changes could not be kept in the recovery file: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  function markSaved(list: ProjectModel[]): void {
    saved.value = Object.fromEntries(list.map((m) => [m.name, fingerprint(m)]));
  }

  async function refreshRecent(): Promise<void> {
    recent.value = await strataApi().invoke('project.recent', {});
  }

  async function loadStart(): Promise<void> {
    const api = strataApi();
    const [recentList, templateList] = await Promise.all([api.invoke('project.recent', {}), api.invoke('project.templates', {})]);
    recent.value = recentList;
    templates.value = templateList;
  }

  function adopt(opened: Project, keepActive = false): void {
    writeRecoverySoon.cancel();
    project.value = opened;
    models.value = opened.models.map(copyModel);
    markSaved(opened.models);
    savedAt.value = null;
    recoveryOffer.value = opened.recovery;
    const names = opened.models.map((m) => m.name);
    const preferred = keepActive ? activeModel.value : opened.manifest.defaults.model;
    activeModel.value = preferred && names.includes(preferred) ? preferred : (names[0] ?? null);
    revision.value += 1;
    void refreshRecent();
  }

  async function create(args: { dir: string; name: string; template: string | null }): Promise<void> {
    adopt(await strataApi().invoke('project.create', args));
  }

  async function open(dir: string): Promise<void> {
    adopt(await strataApi().invoke('project.open', { dir }));
  }

  function manifestFor(list: ProjectModel[]) {
    const current = project.value!;
    return { ...current.manifest, models: list.map((m) => m.name) };
  }

  async function save(): Promise<void> {
    const current = project.value;
    if (!current) return;
    writeRecoverySoon.cancel();
    const sent = models.value.map(copyModel);
    const result = await strataApi().invoke('project.save', { dir: current.dir, manifest: manifestFor(sent), models: sent });
    markSaved(sent);
    savedAt.value = result.savedAt;
    if (dirty.value) writeRecoverySoon.schedule();
  }

  async function saveAs(dir: string): Promise<void> {
    const current = project.value;
    if (!current) return;
    const sent = models.value.map(copyModel);
    const written = await strataApi().invoke('project.saveAs', { dir, manifest: manifestFor(sent), models: sent, from: current.dir });
    adopt({ ...written, recovery: null }, true);
  }

  function close(): void {
    writeRecoverySoon.cancel();
    project.value = null;
    models.value = [];
    saved.value = {};
    activeModel.value = null;
    recoveryOffer.value = null;
    savedAt.value = null;
    recoveryError.value = null;
    void refreshRecent();
  }

  function restoreRecovery(): void {
    const offer = recoveryOffer.value;
    if (!offer) return;
    const byName = new Map(models.value.map((m) => [m.name, m]));
    for (const model of offer.models) byName.set(model.name, copyModel(model));
    models.value = [...byName.values()];
    recoveryOffer.value = null;
    revision.value += 1;
  }

  async function discardRecovery(): Promise<void> {
    const current = project.value;
    recoveryOffer.value = null;
    if (current) await strataApi().invoke('project.discardRecovery', { dir: current.dir });
  }

  async function forgetRecent(dir: string): Promise<void> {
    recent.value = await strataApi().invoke('project.forgetRecent', { dir });
  }

  function model(modelName: string): ProjectModel | undefined {
    return models.value.find((m) => m.name === modelName);
  }

  function edited(): void {
    if (dirty.value) writeRecoverySoon.schedule();
    else writeRecoverySoon.cancel();
  }

  function setModelCode(modelName: string, code: string): void {
    const target = model(modelName);
    if (!target || target.code === code) return;
    target.code = code;
    edited();
  }

  function setModelLayout(modelName: string, layout: ModelLayout): void {
    const target = model(modelName);
    if (!target) return;
    target.layout = layout;
    edited();
  }

  function setActiveModel(modelName: string): void {
    if (model(modelName)) activeModel.value = modelName;
  }

  return {
    project,
    models,
    activeModel,
    recent,
    templates,
    recoveryOffer,
    recoveryError,
    savedAt,
    revision,
    dirtyModels,
    dirty,
    name,
    loadStart,
    refreshRecent,
    create,
    open,
    save,
    saveAs,
    close,
    restoreRecovery,
    discardRecovery,
    forgetRecent,
    model,
    setModelCode,
    setModelLayout,
    setActiveModel,
  };
});
