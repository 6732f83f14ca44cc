/**
 * The inspector's form for a layer's options: what each field shows, how its text is read
 * back into a value as model code writes it, and which values changed. The engine has the
 * last word on whether options are valid (`layers.checkOptions`); these checks catch what
 * can be told from the field alone, as the person types.
 */
import type { LayerClass, LayerOption, OptionProblem } from '../../../shared/ipc/index.js';

/** A field's content: text for most kinds, a boolean for a checkbox. */
export type Draft = string | boolean;

export type Parsed = { ok: true; value: unknown } | { ok: false; problem: string };

/** The value a layer has for an option: its own, else the option's default, else nothing. */
export function currentValue(option: LayerOption, options: Record<string, unknown>): unknown {
  return option.name in options ? options[option.name] : option.default;
}

/** `28, 28, 1` for a shape, with `None` for an unknown size, as Keras prints it. */
function shapeText(value: unknown): string {
  if (Array.isArray(value)) return value.map((d) => (d === null ? 'None' : String(d))).join(', ');
  return value === undefined || value === null ? '' : String(value);
}

/** What the field shows for a value. */
export function draftOf(option: LayerOption, value: unknown): Draft {
  switch (option.kind) {
    case 'boolean':
      return value === true;
    case 'shape':
      return shapeText(value);
    case 'json':
      return value === undefined ? '' : JSON.stringify(value);
    default:
      return value === undefined || value === null ? '' : String(value);
  }
}

const quote = (text: string) => JSON.stringify(text);

/** Reads a field back into a value; an empty optional field means the option's default. */
export function parseDraft(option: LayerOption, draft: Draft): Parsed {
  if (option.kind === 'boolean') {
    return typeof draft === 'boolean' ? { ok: true, value: draft } : { ok: false, problem: `expected true or false, got ${quote(String(draft))}` };
  }
  const text = String(draft).trim();
  if (text === '') {
    return option.required ? { ok: false, problem: `${option.name} is required` } : { ok: true, value: option.default ?? null };
  }
  switch (option.kind) {
    case 'number': {
      const value = Number(text);
      return Number.isFinite(value) ? { ok: true, value } : { ok: false, problem: `expected a number, got ${quote(text)}` };
    }
    case 'integer':
      return /^[-+]?\d+$/.test(text) ? { ok: true, value: Number(text) } : { ok: false, problem: `expected a whole number, got ${quote(text)}` };
    case 'string':
      return { ok: true, value: String(draft) };
    case 'choice':
      return option.choices && !option.choices.includes(text)
        ? { ok: false, problem: `expected one of ${option.choices.map(quote).join(', ')}, got ${quote(text)}` }
        : { ok: true, value: text };
    case 'shape':
      return parseShape(text);
    case 'json':
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch (error) {
        return { ok: false, problem: `expected JSON (${error instanceof Error ? error.message : String(error)})` };
      }
  }
}

/**
 * `3` stays a number (a kernel size may be one); `28, 28, 1`, `[28, 28, 1]` and `(None, 28)`
 * are lists of positive sizes, `None` or `null` for a size left open.
 */
function parseShape(text: string): Parsed {
  const bare = text.replace(/^[[(]\s*|\s*[\])]$/g, '');
  const single = !/^[[(]/.test(text) && !bare.includes(',');
  const parts = bare.split(',').map((p) => p.trim()).filter((p, i, all) => p !== '' || i < all.length - 1);
  const dims: Array<number | null> = [];
  for (const part of parts) {
    if (/^(none|null)$/i.test(part)) dims.push(null);
    else if (/^\d+$/.test(part) && Number(part) > 0) dims.push(Number(part));
    else return { ok: false, problem: `expected sizes such as "28, 28, 1" (positive whole numbers or None), got ${quote(text)}` };
  }
  if (single && dims.length === 1 && dims[0] !== null) return { ok: true, value: dims[0] };
  return { ok: true, value: dims };
}

/** The options the form has fields for: all but the name, which renaming changes. */
export function formOptions(layerClass: LayerClass): LayerOption[] {
  return layerClass.options.filter((o) => o.name !== 'name');
}

/** A field per option of the class, filled from the layer's options. */
export function initialDrafts(layerClass: LayerClass, options: Record<string, unknown>): Record<string, Draft> {
  return Object.fromEntries(formOptions(layerClass).map((o) => [o.name, draftOf(o, currentValue(o, options))]));
}

export interface FormState {
  /** Each option's value as the form reads it, where its field reads. */
  values: Record<string, unknown>;
  /** The problem with each field that does not read. */
  problems: Record<string, string>;
  /** The options whose value differs from the layer's. */
  changed: Record<string, unknown>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function readForm(layerClass: LayerClass, options: Record<string, unknown>, drafts: Record<string, Draft>): FormState {
  const state: FormState = { values: {}, problems: {}, changed: {} };
  for (const option of formOptions(layerClass)) {
    const draft = drafts[option.name] ?? draftOf(option, currentValue(option, options));
    const parsed = parseDraft(option, draft);
    if (!parsed.ok) {
      state.problems[option.name] = parsed.problem;
      continue;
    }
    state.values[option.name] = parsed.value;
    if (!same(parsed.value, currentValue(option, options))) state.changed[option.name] = parsed.value;
  }
  return state;
}

/** The engine's problems by field; those about the layer as a whole (or an option without a field) under `''`. */
export function problemsByField(layerClass: LayerClass, problems: readonly OptionProblem[]): Record<string, string[]> {
  const fields = new Set(formOptions(layerClass).map((o) => o.name));
  const byField: Record<string, string[]> = {};
  for (const p of problems) {
    const key = p.option !== undefined && fields.has(p.option) ? p.option : '';
    const message = key === '' && p.option !== undefined ? `${p.option}: ${p.message}` : p.message;
    (byField[key] ??= []).push(message);
  }
  return byField;
}
