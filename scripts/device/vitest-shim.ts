/**
 * The part of vitest's API that the CUDA test files use, for the device bundle's tests.mjs (the
 * GPU machine has Node through the bundle but no vitest): describe/it/test with .skip, .skipIf,
 * .runIf, .todo and .each; beforeAll/afterAll/beforeEach/afterEach (a beforeAll may return its
 * teardown); expect with .not, .resolves, .rejects and the matchers below.
 *
 * runFiles() loads the test files one at a time, each collected into a suite of its own and run
 * before the next is loaded, sequentially; it prints one line per test (PASS, FAIL with the
 * assertion message, SKIP), a summary, and returns the exit code (1 when anything failed).
 * Arguments on the command line keep only the tests whose full name contains one of them.
 */
import { inspect } from 'node:util';

type Fn = () => unknown;
type TestFn = () => unknown;

interface Test {
  kind: 'test';
  name: string;
  fn: TestFn | undefined;
  skip: boolean;
  timeout: number;
}

interface Suite {
  kind: 'suite';
  name: string;
  skip: boolean;
  children: (Suite | Test)[];
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}

/** vitest's default in this repository (vitest.config.ts). */
const DEFAULT_TIMEOUT_MS = 30_000;

const newSuite = (name: string, skip: boolean): Suite => ({
  kind: 'suite',
  name,
  skip,
  children: [],
  beforeAll: [],
  afterAll: [],
  beforeEach: [],
  afterEach: [],
});

let collecting: Suite = newSuite('', false);

// ---- collection -----------------------------------------------------------------------------

type TimeoutArg = number | { timeout?: number } | undefined;
const timeoutOf = (t: TimeoutArg) => (typeof t === 'number' ? t : t?.timeout ?? DEFAULT_TIMEOUT_MS);

function addTest(name: string, fn: TestFn | undefined, timeout: TimeoutArg, skip: boolean): void {
  collecting.children.push({ kind: 'test', name, fn, skip: skip || !fn, timeout: timeoutOf(timeout) });
}

function addSuite(name: string, fn: () => unknown, skip: boolean): void {
  const suite = newSuite(name, skip);
  collecting.children.push(suite);
  const outer = collecting;
  collecting = suite;
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error(`describe('${name}') got an async callback: the device shim collects synchronously`);
  } finally {
    collecting = outer;
  }
}

/** A name with printf-style (%s %d %i %f %j %o %%) and `$key` placeholders filled from `args`. */
function formatName(template: string, args: unknown[]): string {
  let i = 0;
  let name = template.replace(/%[sdifjo%]/g, (m) => {
    if (m === '%%') return '%';
    const v = args[i++];
    if (m === '%d' || m === '%i') return String(m === '%i' ? Math.trunc(Number(v)) : Number(v));
    if (m === '%f') return String(Number(v));
    if (m === '%j') return JSON.stringify(v);
    return typeof v === 'string' ? v : inspect(v, { breakLength: Infinity, depth: 2 });
  });
  const first = args[0];
  if (args.length === 1 && first !== null && typeof first === 'object') {
    name = name.replace(/\$(\w+)/g, (m, key: string) => (key in first ? String((first as Record<string, unknown>)[key]) : m));
  }
  return name;
}

function rowArgs(row: unknown): unknown[] {
  return Array.isArray(row) ? row : [row];
}

interface TestApi {
  (name: string, fn?: TestFn, timeout?: TimeoutArg): void;
  skip(name: string, fn?: TestFn, timeout?: TimeoutArg): void;
  todo(name: string): void;
  skipIf(condition: unknown): (name: string, fn?: TestFn, timeout?: TimeoutArg) => void;
  runIf(condition: unknown): (name: string, fn?: TestFn, timeout?: TimeoutArg) => void;
  each(table: readonly unknown[]): (name: string, fn: (...args: any[]) => unknown, timeout?: TimeoutArg) => void;
}

function makeTestApi(): TestApi {
  const api = ((name: string, fn?: TestFn, timeout?: TimeoutArg) => addTest(name, fn, timeout, false)) as TestApi;
  api.skip = (name, fn, timeout) => addTest(name, fn, timeout, true);
  api.todo = (name) => addTest(name, undefined, undefined, true);
  api.skipIf = (condition) => (name, fn, timeout) => addTest(name, fn, timeout, Boolean(condition));
  api.runIf = (condition) => (name, fn, timeout) => addTest(name, fn, timeout, !condition);
  api.each = (table) => (name, fn, timeout) => {
    for (const row of table) {
      const args = rowArgs(row);
      addTest(formatName(name, args), () => fn(...args), timeout, false);
    }
  };
  return api;
}

interface DescribeApi {
  (name: string, fn: () => unknown): void;
  skip(name: string, fn: () => unknown): void;
  skipIf(condition: unknown): (name: string, fn: () => unknown) => void;
  runIf(condition: unknown): (name: string, fn: () => unknown) => void;
  each(table: readonly unknown[]): (name: string, fn: (...args: any[]) => unknown) => void;
}

function makeDescribeApi(): DescribeApi {
  const api = ((name: string, fn: () => unknown) => addSuite(name, fn, false)) as DescribeApi;
  api.skip = (name, fn) => addSuite(name, fn, true);
  api.skipIf = (condition) => (name, fn) => addSuite(name, fn, Boolean(condition));
  api.runIf = (condition) => (name, fn) => addSuite(name, fn, !condition);
  api.each = (table) => (name, fn) => {
    for (const row of table) {
      const args = rowArgs(row);
      addSuite(formatName(name, args), () => fn(...args), false);
    }
  };
  return api;
}

export const it = makeTestApi();
export const test = it;
export const describe = makeDescribeApi();
export const beforeAll = (fn: Fn) => void collecting.beforeAll.push(fn);
export const afterAll = (fn: Fn) => void collecting.afterAll.push(fn);
export const beforeEach = (fn: Fn) => void collecting.beforeEach.push(fn);
export const afterEach = (fn: Fn) => void collecting.afterEach.push(fn);

// ---- expect ---------------------------------------------------------------------------------

export class AssertionError extends Error {
  override name = 'AssertionError';
}

const show = (v: unknown) => inspect(v, { depth: 3, maxArrayLength: 12, maxStringLength: 300, breakLength: Infinity });

function isObject(v: unknown): v is Record<PropertyKey, unknown> {
  return typeof v === 'object' && v !== null;
}

/** vitest's toEqual (`strict` false: undefined properties ignored) and toStrictEqual. */
function deepEqual(a: unknown, b: unknown, strict: boolean): boolean {
  if (Object.is(a, b)) return true;
  if (!isObject(a) || !isObject(b)) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof RegExp || b instanceof RegExp) return String(a) === String(b);
  const listLike = (v: object) => Array.isArray(v) || ArrayBuffer.isView(v);
  if (listLike(a) || listLike(b) || strict) {
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k), strict)) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (![...b].some((w) => deepEqual(v, w, strict))) return false;
    return true;
  }
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  const keys = (o: Record<PropertyKey, unknown>) => Object.keys(o).filter((k) => strict || o[k] !== undefined);
  const ka = keys(a);
  const kb = keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k], strict));
}

function thrownBy(actual: unknown): { thrown: boolean; error?: unknown } {
  if (typeof actual !== 'function') throw new AssertionError(`expected a function to call, got ${show(actual)}`);
  try {
    actual();
    return { thrown: false };
  } catch (error) {
    return { thrown: true, error };
  }
}

function throwMatches(error: unknown, expected: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  if (expected === undefined) return true;
  if (typeof expected === 'string') return message.includes(expected);
  if (expected instanceof RegExp) return expected.test(message);
  if (expected instanceof Error) return message === expected.message;
  if (typeof expected === 'function') return error instanceof expected;
  return false;
}

function compareNumbers(actual: unknown, expected: unknown, name: string): void {
  const numeric = (v: unknown) => typeof v === 'number' || typeof v === 'bigint';
  if (!numeric(actual) || !numeric(expected)) throw new AssertionError(`${name} needs numbers, got ${show(actual)} and ${show(expected)}`);
}

/** Each matcher: whether `actual` passes, and what it was expected to be (for the message). */
type Matcher = (actual: unknown, ...args: any[]) => [pass: boolean, expectation: string];

const MATCHERS = {
  toBe: (a, e) => [Object.is(a, e), `to be ${show(e)}`],
  toEqual: (a, e) => [deepEqual(a, e, false), `to equal ${show(e)}`],
  toStrictEqual: (a, e) => [deepEqual(a, e, true), `to strictly equal ${show(e)}`],
  toBeLessThan: (a, e) => (compareNumbers(a, e, 'toBeLessThan'), [(a as number) < (e as number), `to be less than ${show(e)}`]),
  toBeLessThanOrEqual: (a, e) => (compareNumbers(a, e, 'toBeLessThanOrEqual'), [(a as number) <= (e as number), `to be <= ${show(e)}`]),
  toBeGreaterThan: (a, e) => (compareNumbers(a, e, 'toBeGreaterThan'), [(a as number) > (e as number), `to be greater than ${show(e)}`]),
  toBeGreaterThanOrEqual: (a, e) => (compareNumbers(a, e, 'toBeGreaterThanOrEqual'), [(a as number) >= (e as number), `to be >= ${show(e)}`]),
  toBeCloseTo: (a, e, digits = 2) => {
    compareNumbers(a, e, 'toBeCloseTo');
    const pass = (a === Infinity && e === Infinity) || (a === -Infinity && e === -Infinity) || Math.abs((e as number) - (a as number)) < 10 ** -digits / 2;
    return [pass, `to be close to ${show(e)} (${digits} digits)`];
  },
  toThrow: (a, e) => {
    const { thrown, error } = thrownBy(a);
    const got = thrown ? ` (threw ${show(error instanceof Error ? error.message : error)})` : ' (threw nothing)';
    return [thrown && throwMatches(error, e), `to throw${e === undefined ? '' : ` ${show(e)}`}${got}`];
  },
  toMatch: (a, e) => [typeof a === 'string' && (typeof e === 'string' ? a.includes(e) : (e as RegExp).test(a)), `to match ${show(e)}`],
  toContain: (a, e) => {
    const pass = typeof a === 'string' ? a.includes(String(e)) : isObject(a) && Symbol.iterator in a ? [...(a as unknown as Iterable<unknown>)].includes(e) : false;
    return [pass, `to contain ${show(e)}`];
  },
  toHaveLength: (a, n) => [isObject(a) || typeof a === 'string' ? (a as { length?: unknown }).length === n : false, `to have length ${n}`],
  toBeInstanceOf: (a, c) => [a instanceof (c as new () => unknown), `to be an instance of ${(c as { name?: string }).name}`],
  toBeTruthy: (a) => [Boolean(a), 'to be truthy'],
  toBeFalsy: (a) => [!a, 'to be falsy'],
  toBeDefined: (a) => [a !== undefined, 'to be defined'],
  toBeUndefined: (a) => [a === undefined, 'to be undefined'],
  toBeNull: (a) => [a === null, 'to be null'],
  toBeNaN: (a) => [Number.isNaN(a), 'to be NaN'],
} satisfies Record<string, Matcher>;

type MatcherName = keyof typeof MATCHERS;
type Params<M extends MatcherName> = (typeof MATCHERS)[M] extends (a: unknown, ...args: infer P) => unknown ? P : never;
type Matchers<R> = { [M in MatcherName]: (...args: Params<M>) => R };
export interface Assertion extends Matchers<void> {
  not: Matchers<void>;
  resolves: Matchers<Promise<void>> & { not: Matchers<Promise<void>> };
  rejects: Matchers<Promise<void>> & { not: Matchers<Promise<void>> };
}

function check(name: MatcherName, actual: unknown, args: unknown[], negated: boolean, note: string | undefined): void {
  const [pass, expectation] = (MATCHERS[name] as Matcher)(actual, ...args);
  if (pass === negated) {
    const received = name === 'toThrow' ? 'the function' : show(actual);
    throw new AssertionError(`${note ? `${note}: ` : ''}expected ${received} ${negated ? 'not ' : ''}${expectation}`);
  }
}

function matchers(actual: unknown, negated: boolean, note: string | undefined): Matchers<void> {
  const out = {} as Record<MatcherName, (...args: unknown[]) => void>;
  for (const name of Object.keys(MATCHERS) as MatcherName[]) out[name] = (...args) => check(name, actual, args, negated, note);
  return out as unknown as Matchers<void>;
}

/** `.resolves` / `.rejects`: the settled value (or, for toThrow, a function that throws it). */
function settled(promise: unknown, rejects: boolean, negated: boolean, note: string | undefined): Matchers<Promise<void>> {
  const out = {} as Record<MatcherName, (...args: unknown[]) => Promise<void>>;
  for (const name of Object.keys(MATCHERS) as MatcherName[]) {
    out[name] = async (...args) => {
      let value: unknown;
      let rejected = false;
      try {
        value = await promise;
      } catch (error) {
        value = error;
        rejected = true;
      }
      if (rejected !== rejects) {
        throw new AssertionError(`${note ? `${note}: ` : ''}expected the promise to ${rejects ? 'reject' : 'resolve'}, it ${rejected ? `rejected with ${show(value)}` : `resolved to ${show(value)}`}`);
      }
      const subject = rejects && name === 'toThrow' ? () => { throw value; } : value;
      check(name, subject, args, negated, note);
    };
  }
  return out as unknown as Matchers<Promise<void>>;
}

export function expect(actual: unknown, note?: string): Assertion {
  return Object.assign(matchers(actual, false, note), {
    not: matchers(actual, true, note),
    resolves: Object.assign(settled(actual, false, false, note), { not: settled(actual, false, true, note) }),
    rejects: Object.assign(settled(actual, true, false, note), { not: settled(actual, true, true, note) }),
  });
}

// ---- running --------------------------------------------------------------------------------

const counts = { passed: 0, failed: 0, skipped: 0 };
const failures: string[] = [];
const filters = process.argv.slice(2);
let unhandled: unknown[] = [];

function describeError(error: unknown): string {
  if (error instanceof AssertionError) return error.message;
  if (error instanceof Error) return (error.stack ?? `${error.name}: ${error.message}`).split('\n').slice(0, 8).join('\n');
  return show(error);
}

function report(status: 'PASS' | 'FAIL' | 'SKIP', name: string, detail = ''): void {
  process.stdout.write(`${status} ${name}${detail && status !== 'FAIL' ? ` ${detail}` : ''}\n`);
  if (status === 'FAIL') {
    process.stdout.write(`${detail.replace(/^/gm, '     ')}\n`);
    failures.push(name);
  }
  counts[status === 'PASS' ? 'passed' : status === 'FAIL' ? 'failed' : 'skipped']++;
}

async function withTimeout(fn: () => unknown, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const joinName = (path: string[], name: string) => [...path, name].filter(Boolean).join(' > ');
const selected = (full: string) => filters.length === 0 || filters.some((f) => full.includes(f));

function tests(suite: Suite, path: string[]): [string, Test][] {
  return suite.children.flatMap((c) => (c.kind === 'test' ? [[joinName(path, c.name), c] as [string, Test]] : tests(c, [...path, c.name])));
}

async function runSuite(suite: Suite, path: string[], ancestors: Suite[], skipAll: boolean): Promise<void> {
  const chain = [...ancestors, suite];
  const own = tests(suite, path).filter(([full]) => selected(full));
  if (own.length === 0) return;
  if (skipAll || suite.skip || own.every(([, t]) => t.skip)) {
    for (const [full] of own) report('SKIP', full);
    return;
  }
  const teardowns: Fn[] = [];
  try {
    for (const hook of suite.beforeAll) {
      await withTimeout(async () => {
        const result = await hook();
        if (typeof result === 'function') teardowns.push(result as Fn);
      }, DEFAULT_TIMEOUT_MS, 'beforeAll');
    }
  } catch (error) {
    for (const [full] of own) report('FAIL', full, `beforeAll failed: ${describeError(error)}`);
    return;
  }
  for (const child of suite.children) {
    if (child.kind === 'suite') {
      await runSuite(child, [...path, child.name], chain, false);
      continue;
    }
    const full = joinName(path, child.name);
    if (!selected(full)) continue;
    if (child.skip || !child.fn) {
      report('SKIP', full);
      continue;
    }
    const start = performance.now();
    unhandled = [];
    let error: unknown;
    try {
      for (const s of chain) for (const hook of s.beforeEach) await withTimeout(hook, DEFAULT_TIMEOUT_MS, 'beforeEach');
      await withTimeout(child.fn, child.timeout, 'test');
    } catch (e) {
      error = e;
    }
    try {
      for (const s of [...chain].reverse()) for (const hook of s.afterEach) await withTimeout(hook, DEFAULT_TIMEOUT_MS, 'afterEach');
    } catch (e) {
      error ??= e;
    }
    if (error === undefined && unhandled.length > 0) error = unhandled[0];
    if (error === undefined) report('PASS', full, `(${Math.round(performance.now() - start)} ms)`);
    else report('FAIL', full, describeError(error));
  }
  for (const hook of [...teardowns, ...suite.afterAll]) {
    try {
      await withTimeout(hook, DEFAULT_TIMEOUT_MS, 'afterAll');
    } catch (error) {
      report('FAIL', joinName(path, 'afterAll'), describeError(error));
    }
  }
}

/** Loads and runs each file in turn; prints the summary; returns the exit code. */
export async function runFiles(files: [name: string, load: () => Promise<unknown>][]): Promise<number> {
  process.on('unhandledRejection', (reason) => unhandled.push(reason));
  const start = performance.now();
  for (const [name, load] of files) {
    process.stdout.write(`\n# ${name}\n`);
    const root = newSuite('', false);
    collecting = root;
    try {
      await load();
    } catch (error) {
      report('FAIL', `${name} (loading the file)`, describeError(error));
      continue;
    }
    await runSuite(root, [], [], false);
  }
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${seconds} s (${files.length} files)\n`);
  if (failures.length > 0) process.stdout.write(`failed:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
  return counts.failed > 0 ? 1 : 0;
}
