/**
 * Writing values as TypeScript source: literals the way a person writes them (single quotes,
 * bare keys, spaces inside braces) and pieces of code that are already source (`Code`).
 */

/** Source text to write as is (a variable, a layer expression), not as a literal. */
export class Code {
  constructor(readonly text: string) {}
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function literal(value: unknown): string {
  if (value instanceof Code) return value.text;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object') return objectLiteral(Object.entries(value as Record<string, unknown>));
  throw new Error(`Cannot write a ${typeof value} into model code (received ${String(value)}).`);
}

/** `{ a: 1, 'b-c': 2 }`; `{}` when empty. */
export function objectLiteral(entries: Array<[string, unknown]>): string {
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([k, v]) => `${IDENTIFIER.test(k) ? k : literal(k)}: ${literal(v)}`).join(', ')} }`;
}

/** An object literal over several lines when one line would run past `width` columns. */
export function objectLiteralWrapped(entries: Array<[string, unknown]>, indent: string, width = 100): string {
  const oneLine = objectLiteral(entries);
  if (indent.length + oneLine.length <= width) return oneLine;
  const inner = `${indent}  `;
  return `{\n${entries.map(([k, v]) => `${inner}${IDENTIFIER.test(k) ? k : literal(k)}: ${literal(v)},`).join('\n')}\n${indent}}`;
}

/** Structural equality of JSON-like values (key order does not matter). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((v, i) => sameValue(v, bs[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bkeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return keys.length === bkeys.length && keys.every((k) => sameValue(ao[k], bo[k]));
}
