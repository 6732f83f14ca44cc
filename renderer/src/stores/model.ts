/**
 * The model being edited: its code, the graph and summary of its last evaluation, and the
 * undo history shared by the code editor and the graph view.
 *
 * Code is evaluated in the host a moment after the person stops typing; a reply to code that
 * has since changed is dropped (latest wins). When the code stops evaluating, the last valid
 * graph stays on screen with the problems beside it. A graph edit goes to the host with the
 * current code and comes back as new code: one undo step.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { Diagnostic, Evaluation, GraphEdit, ModelLayout, StudioNode } from '../../../shared/ipc/index.js';
import { messageOf } from './app.js';
import { CodeHistory } from './code-history.js';
import { debounce } from './debounce.js';
import { useProjectStore } from './project.js';
import { strataApi } from './strata-api.js';

/** How long typing must pause before the code is evaluated (and the undo entry closes). */
export const EVALUATE_DELAY_MS = 300;

export type ValidEvaluation = Extract<Evaluation, { ok: true }>;

export interface EditError {
  message: string;
  layerName?: string;
}

const EMPTY_LAYOUT: ModelLayout = { positions: {}, expanded: [], rankdir: 'TB' };

/** A node by id, looking inside nested models too. */
export function findNode(nodes: StudioNode[], id: string): StudioNode | null {
  for (const node of nodes) {
    if (node.id === id) return node;
    const inner = node.children ? findNode(node.children.nodes, id) : null;
    if (inner) return inner;
  }
  return null;
}

export const useModelStore = defineStore('model', () => {
  const project = useProjectStore();
  const name = ref<string | null>(null);
  const code = ref('');
  /** The evaluation of the code as it was last evaluated (may hold problems). */
  const latest = shallowRef<Evaluation | null>(null);
  /** The last evaluation that built a model: what the graph and summary show. */
  const lastValid = shallowRef<ValidEvaluation | null>(null);
  const evaluating = ref(false);
  /** The host could not evaluate at all (not a problem in the code). */
  const failure = ref<string | null>(null);
  const editError = ref<EditError | null>(null);
  const editing = ref(false);

  const histories = new Map<string, CodeHistory>();
  /** Bumped on every history change, so canUndo/canRedo recompute. */
  const historyTick = ref(0);
  let evaluationSeq = 0;

  const fileName = computed(() => (name.value === null ? '' : `models/${name.value}.ts`));
  const history = (): CodeHistory | null => (name.value === null ? null : (histories.get(name.value) ?? null));

  const graph = computed(() => lastValid.value?.graph ?? null);
  const summary = computed(() => lastValid.value?.summary ?? null);
  const diagnostics = computed<Diagnostic[]>(() => (latest.value && !latest.value.ok ? latest.value.diagnostics : []));
  const hasProblems = computed(() => diagnostics.value.length > 0);
  const readOnlyReason = computed<string | null>(() => {
    if (hasProblems.value) return 'The graph shows the last version of the code that worked; fix the problems in the code to edit it.';
    return latest.value?.ok ? (latest.value.readOnlyReason ?? null) : null;
  });
  const layout = computed<ModelLayout>(() => (name.value === null ? EMPTY_LAYOUT : (project.model(name.value)?.layout ?? EMPTY_LAYOUT)));

  /** The layer the graph marks, with the message shown on it: a refused edit first, else the first problem that names a layer. */
  const errorMark = computed<{ layer: string; message: string } | null>(() => {
    if (editError.value?.layerName) return { layer: editError.value.layerName, message: editError.value.message };
    const named = diagnostics.value.find((d) => d.layerName);
    return named?.layerName ? { layer: named.layerName, message: named.message } : null;
  });

  const canUndo = computed(() => {
    void historyTick.value;
    return history()?.canUndo ?? false;
  });
  const canRedo = computed(() => {
    void historyTick.value;
    return history()?.canRedo ?? false;
  });

  const evaluateSoon = debounce(() => {
    history()?.pause();
    historyTick.value += 1;
    void evaluate();
  }, EVALUATE_DELAY_MS);

  function accept(evaluation: Evaluation): void {
    latest.value = evaluation;
    // An edit that leaves the graph as it was (a comment, a rename of a variable) keeps the
    // graph object, so the graph view does not lay out and draw it again.
    if (evaluation.ok) lastValid.value = sameGraph(lastValid.value, evaluation) ? { ...evaluation, graph: lastValid.value!.graph } : evaluation;
    failure.value = null;
  }

  /** Evaluates the current code now; a reply that arrives after the code changed again is dropped. */
  async function evaluate(): Promise<void> {
    if (name.value === null) return;
    evaluateSoon.cancel();
    const seq = ++evaluationSeq;
    const sent = code.value;
    const current = () => seq === evaluationSeq && code.value === sent;
    evaluating.value = true;
    try {
      const evaluation = await strataApi().invoke('model.evaluate', { code: sent, fileName: fileName.value });
      if (current()) accept(evaluation);
    } catch (error) {
      if (current()) failure.value = `The host could not evaluate ${fileName.value}: ${messageOf(error)}`;
    } finally {
      if (seq === evaluationSeq) evaluating.value = false;
    }
  }

  /** Shows a model of the open project (its working copy) and evaluates it. */
  async function open(modelName: string): Promise<void> {
    const source = project.model(modelName);
    if (!source) return;
    evaluateSoon.cancel();
    evaluationSeq += 1;
    name.value = modelName;
    code.value = source.code;
    const existing = histories.get(modelName);
    if (!existing || existing.current !== source.code) histories.set(modelName, new CodeHistory(source.code));
    historyTick.value += 1;
    latest.value = null;
    lastValid.value = null;
    editError.value = null;
    failure.value = null;
    await evaluate();
  }

  /** Forgets every model (the project closed or another opened). */
  function reset(): void {
    evaluateSoon.cancel();
    evaluationSeq += 1;
    histories.clear();
    historyTick.value += 1;
    name.value = null;
    code.value = '';
    latest.value = null;
    lastValid.value = null;
    editError.value = null;
    failure.value = null;
    evaluating.value = false;
  }

  function showCode(next: string): void {
    code.value = next;
    editError.value = null;
    if (name.value !== null) project.setModelCode(name.value, next);
  }

  /** The person typed: the code changes now, its evaluation follows once typing pauses. */
  function type(next: string): void {
    if (name.value === null || next === code.value) return;
    showCode(next);
    history()?.typed(next);
    historyTick.value += 1;
    evaluateSoon.schedule();
  }

  /** Applies a graph edit; true when the model took it. A refused edit keeps code and graph as they were. */
  async function edit(change: GraphEdit): Promise<boolean> {
    if (name.value === null) return false;
    evaluateSoon.cancel();
    const sent = code.value;
    editing.value = true;
    try {
      const result = await strataApi().invoke('model.edit', { code: sent, fileName: fileName.value, edit: change });
      if (code.value !== sent) {
        editError.value = { message: 'The code changed while the graph edit was being applied, so the edit was not made; make it again.' };
        return false;
      }
      if (!result.ok) {
        editError.value = { message: result.message, ...(result.layerName ? { layerName: result.layerName } : {}) };
        return false;
      }
      evaluationSeq += 1;
      evaluating.value = false;
      showCode(result.code);
      history()?.replaced(result.code);
      historyTick.value += 1;
      accept(result.evaluation);
      return true;
    } catch (error) {
      editError.value = { message: `The host could not apply the edit: ${messageOf(error)}` };
      return false;
    } finally {
      editing.value = false;
    }
  }

  function restore(snapshot: string | null | undefined): void {
    historyTick.value += 1;
    if (snapshot === null || snapshot === undefined) return;
    showCode(snapshot);
    void evaluate();
  }

  function undo(): void {
    evaluateSoon.cancel();
    restore(history()?.undo());
  }

  function redo(): void {
    evaluateSoon.cancel();
    restore(history()?.redo());
  }

  function setLayout(next: ModelLayout): void {
    if (name.value !== null) project.setModelLayout(name.value, next);
  }

  function node(id: string | null): StudioNode | null {
    return id === null || !graph.value ? null : findNode(graph.value.nodes, id);
  }

  return {
    name,
    code,
    fileName,
    latest,
    lastValid,
    evaluating,
    editing,
    failure,
    editError,
    graph,
    summary,
    diagnostics,
    hasProblems,
    readOnlyReason,
    layout,
    errorMark,
    canUndo,
    canRedo,
    evaluate,
    open,
    reset,
    type,
    edit,
    undo,
    redo,
    setLayout,
    node,
  };
});

function sameGraph(before: ValidEvaluation | null, after: ValidEvaluation): boolean {
  return before !== null && JSON.stringify(before.graph) === JSON.stringify(after.graph);
}
