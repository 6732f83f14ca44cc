/**
 * The project's datasets: the built-ins the host offers, the project's definitions, and the
 * one the person previews (its fields, class counts, samples, and whether it fits the model
 * in the editor, with the field that feeds each model input and output).
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ChannelResult, DatasetDefinition, DatasetInfo, DatasetSample, FieldMapping, FitCheck } from '../../../shared/ipc/index.js';
import { messageOf } from './app.js';
import { useProjectStore } from './project.js';
import { strataApi } from './strata-api.js';

export type BuiltinDataset = ChannelResult<'datasets.builtins'>[number];

/** Samples the preview grid shows at a time. */
export const PREVIEW_SAMPLES = 32;

export const useDatasetsStore = defineStore('datasets', () => {
  const project = useProjectStore();
  const dir = ref<string | null>(null);
  const builtins = ref<BuiltinDataset[]>([]);
  const definitions = ref<DatasetDefinition[]>([]);
  const infos = ref<Record<string, DatasetInfo>>({});
  const selectedName = ref<string | null>(null);
  const split = ref<string | null>(null);
  const offset = ref(0);
  const samples = shallowRef<DatasetSample[]>([]);
  const fit = ref<FitCheck | null>(null);
  /** Mappings the person chose, by dataset (absent: fields matched by name). */
  const mappings = ref<Record<string, FieldMapping>>({});
  const error = ref<string | null>(null);
  let fitSeq = 0;
  let sampleSeq = 0;

  const names = computed(() => definitions.value.map((d) => d.name));
  const selected = computed(() => definitions.value.find((d) => d.name === selectedName.value) ?? null);
  const selectedInfo = computed(() => (selectedName.value ? (infos.value[selectedName.value] ?? null) : null));

  function currentDir(): string {
    const open = dir.value ?? project.project?.dir;
    if (!open) throw new Error('No project is open: open one before working with its datasets.');
    return open;
  }

  function reset(): void {
    definitions.value = [];
    infos.value = {};
    selectedName.value = null;
    split.value = null;
    offset.value = 0;
    samples.value = [];
    fit.value = null;
    mappings.value = {};
    error.value = null;
    fitSeq++;
    sampleSeq++;
  }

  async function open(projectDir: string): Promise<void> {
    reset();
    dir.value = projectDir;
    const api = strataApi();
    const [offered, list] = await Promise.all([api.invoke('datasets.builtins', {}), api.invoke('datasets.list', { dir: projectDir })]);
    if (dir.value !== projectDir) return;
    builtins.value = offered;
    definitions.value = list;
  }

  function close(): void {
    reset();
    dir.value = null;
  }

  async function refresh(): Promise<void> {
    definitions.value = await strataApi().invoke('datasets.list', { dir: currentDir() });
  }

  /** Shows a dataset: its fields and class counts, then the first samples of its first split. */
  async function select(name: string): Promise<void> {
    selectedName.value = name;
    fit.value = null;
    samples.value = [];
    error.value = null;
    try {
      const info = await strataApi().invoke('datasets.info', { dir: currentDir(), name });
      infos.value[name] = info;
      if (selectedName.value !== name) return;
      if (!info.available) return;
      const first = info.splits.find((s) => s.size > 0)?.name ?? null;
      if (first) await showSamples(first, 0);
    } catch (e) {
      if (selectedName.value === name) error.value = `The dataset "${name}" could not be read: ${messageOf(e)}`;
    }
  }

  async function showSamples(splitName: string, from: number): Promise<void> {
    const name = selectedName.value;
    if (!name) return;
    const seq = ++sampleSeq;
    split.value = splitName;
    offset.value = from;
    const got = await strataApi().invoke('datasets.samples', { dir: currentDir(), name, split: splitName, offset: from, count: PREVIEW_SAMPLES });
    if (seq === sampleSeq) samples.value = got;
  }

  /** Writes a definition (the host reads the data once to check it, and copies it into the project if asked) and shows it. */
  async function save(definition: DatasetDefinition, copyIntoProject = false): Promise<DatasetInfo> {
    const info = await strataApi().invoke('datasets.save', { dir: currentDir(), definition, copyIntoProject });
    infos.value[definition.name] = info;
    await refresh();
    await select(definition.name);
    return info;
  }

  async function remove(name: string): Promise<void> {
    await strataApi().invoke('datasets.delete', { dir: currentDir(), name });
    delete infos.value[name];
    delete mappings.value[name];
    if (selectedName.value === name) {
      selectedName.value = null;
      samples.value = [];
      fit.value = null;
    }
    await refresh();
  }

  function previewCsv(path: string) {
    return strataApi().invoke('datasets.previewCsv', { dir: currentDir(), path });
  }

  /** Whether the selected dataset fits the model code; the latest check wins. */
  async function checkFit(code: string, fileName: string): Promise<void> {
    const name = selectedName.value;
    if (!name) return;
    const seq = ++fitSeq;
    try {
      const result = await strataApi().invoke('datasets.checkFit', { dir: currentDir(), name, code, fileName, mapping: mappings.value[name] ?? null });
      if (seq === fitSeq) fit.value = result;
    } catch (e) {
      if (seq === fitSeq) fit.value = { mapping: { inputs: {}, outputs: {} }, problems: [`The fit could not be checked: ${messageOf(e)}`] };
    }
  }

  /** The person chose the field feeding one model input or output. */
  function setMapping(side: 'inputs' | 'outputs', target: string, field: string): void {
    const name = selectedName.value;
    if (!name) return;
    const base = mappings.value[name] ?? fit.value?.mapping ?? { inputs: {}, outputs: {} };
    mappings.value[name] = { ...base, [side]: { ...base[side], [target]: field } };
  }

  function mappingFor(name: string): FieldMapping | null {
    return mappings.value[name] ?? null;
  }

  return {
    dir,
    builtins,
    definitions,
    infos,
    names,
    selectedName,
    selected,
    selectedInfo,
    split,
    offset,
    samples,
    fit,
    mappings,
    error,
    open,
    close,
    refresh,
    select,
    showSamples,
    save,
    remove,
    previewCsv,
    checkFit,
    setMapping,
    mappingFor,
  };
});
