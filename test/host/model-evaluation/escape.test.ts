/**
 * Model code is untrusted: known ways out of a JavaScript sandbox must fail. Each attempt tries
 * to write a marker file and print a secret environment variable of the host; the test checks
 * that neither happened (and, where the attempt cannot help but throw, that it threw).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { evaluateModelSource, ModelFileError, type EvaluatedModel } from '../../../electron/host/model-evaluation/index.js';

const SECRET_VAR = 'STRATA_ESCAPE_TEST_SECRET';
const secret = `s3cret-${process.pid}-${Date.now()}`;
const dir = mkdtempSync(join(tmpdir(), 'strata-escape-'));
const marker = join(dir, 'escaped.txt');

beforeAll(() => {
  process.env[SECRET_VAR] = secret;
});
afterAll(() => {
  delete process.env[SECRET_VAR];
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  // Nothing may have been written, by any attempt.
  expect(readdirSync(dir)).toEqual([]);
});

/** A valid model after the attack, so that an attack that "works" silently still evaluates. */
const MODEL = `
import { Input, Model, layers } from 'strata';
const inputs = Input({ shape: [3] });
export default Model({ inputs, outputs: layers.Dense(2)(inputs) });
`;

/** Code that, given a real Node `process`, writes the marker and prints the secret. */
const USE_PROCESS = (p: string) => `
const proc: any = ${p};
console.log(String(proc.env[${JSON.stringify(SECRET_VAR)}]));
proc.mainModule.require('fs').writeFileSync(${JSON.stringify(marker)}, 'escaped');
proc.getBuiltinModule('fs').writeFileSync(${JSON.stringify(marker)}, 'escaped');
`;
/** Code that, given a real Node `require`, writes the marker and prints the secret. */
const USE_REQUIRE = (r: string) => `
const req: any = ${r};
req('fs').writeFileSync(${JSON.stringify(marker)}, 'escaped');
console.log(String(req('process').env[${JSON.stringify(SECRET_VAR)}]));
`;

type Attempt = { result?: EvaluatedModel; error?: unknown };

async function attempt(code: string, options: Parameters<typeof evaluateModelSource>[1] = {}): Promise<Attempt> {
  try {
    return { result: await evaluateModelSource(code + MODEL, { fileName: 'attack.ts', ...options }) };
  } catch (error) {
    return { error };
  }
}

/** The attempt failed inside the sandbox, and nothing of the host leaked into what came back. */
function expectContained(a: Attempt): ModelFileError {
  expect(existsSync(marker)).toBe(false);
  expect(a.error).toBeInstanceOf(ModelFileError);
  const e = a.error as ModelFileError;
  expect(e.message).not.toContain(secret);
  expect(e.logs.join('\n')).not.toContain(secret);
  return e;
}

describe('the model sandbox', () => {
  it('has no process', async () => {
    const e = expectContained(await attempt(USE_PROCESS('process')));
    expect(e.message).toMatch(/ReferenceError: .*process.* is not defined/);
  });

  it('has no require but its own, which answers only strata', async () => {
    const e = expectContained(await attempt(USE_REQUIRE('require')));
    expect(e.message).toContain(`the import of "fs" is refused`);
  });

  it('has no globalThis.process', async () => {
    const e = expectContained(await attempt(USE_PROCESS('(globalThis as any).process')));
    expect(e.message).toMatch(/TypeError/);
  });

  it("cannot reach the host through this.constructor.constructor('return process')()", async () => {
    // Top-level `this` is undefined in a module, as in Node's ES modules.
    const inModule = expectContained(await attempt(USE_PROCESS(`(this as any).constructor.constructor('return process')()`)));
    expect(inModule.message).toMatch(/TypeError/);
    // In a function called with an object as `this`, the constructor chain ends at the sandbox's Function.
    const inMethod = expectContained(
      await attempt(USE_PROCESS(`(function (this: any) { return this.constructor.constructor('return process')(); }).call({})`)),
    );
    expect(inMethod.message).toMatch(/ReferenceError: .*process.* is not defined/);
  });

  it("cannot reach the host through Function('return this')().process", async () => {
    const e = expectContained(await attempt(USE_PROCESS(`Function('return this')().process`)));
    expect(e.message).toMatch(/TypeError/);
  });

  it("cannot reach the host through ({}).constructor.constructor('return require')()", async () => {
    const e = expectContained(await attempt(USE_REQUIRE(`({}).constructor.constructor('return require')()`)));
    expect(e.message).toMatch(/ReferenceError: .*require.* is not defined/);
  });

  it('cannot reach the host through a function of the strata API or a layer', async () => {
    const e = expectContained(
      await attempt(`import { layers as L, Input as I } from 'strata';
const viaApi: any = (I as any).constructor('return typeof process === "undefined" ? undefined : process')();
const viaLayer: any = (L.Dense(2) as any).constructor.constructor('return globalThis.process')();
console.log(typeof viaApi, typeof viaLayer);
${USE_PROCESS('viaApi ?? viaLayer')}`),
    );
    expect(e.logs).toEqual(['undefined undefined']);
  });

  it("refuses import('fs') (dynamic import)", async () => {
    const e = expectContained(
      await attempt(`import('fs').then((fs: any) => fs.writeFileSync(${JSON.stringify(marker)}, 'escaped'));`),
    );
    expect(e.kind).toBe('evaluation');
    expect(e.message).toContain(`the import of "fs" is refused`);
  });

  it("gives eval('require') only the sandbox's require, and indirect eval none", async () => {
    const direct = expectContained(await attempt(USE_REQUIRE(`eval('require')`)));
    expect(direct.message).toContain(`the import of "fs" is refused`);
    const indirect = expectContained(await attempt(USE_REQUIRE(`(0, eval)('require')`)));
    expect(indirect.message).toMatch(/ReferenceError: .*require.* is not defined/);
  });

  it('gains nothing from Error.prepareStackTrace and Error.captureStackTrace tricks', async () => {
    const hostPrepare = (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    const e = expectContained(
      await attempt(`
const E: any = Error;
let grabbed: any;
E.prepareStackTrace = (_e: unknown, frames: any[]) => {
  for (const f of frames) {
    try { const t = f.getThis?.(); if (t && t.process) grabbed = t.process; } catch {}
    try { const fn = f.getFunction?.(); if (fn) grabbed = grabbed ?? fn.constructor('return process')(); } catch {}
  }
  return frames;
};
E.stackTraceLimit = Infinity;
const holder: any = {};
if (typeof E.captureStackTrace === 'function') E.captureStackTrace(holder);
void new Error('probe').stack;
void holder.stack;
${USE_PROCESS('grabbed')}`),
    );
    expect(e.message).toMatch(/TypeError/);
    // Nothing changed the host's Error.
    expect((Error as { prepareStackTrace?: unknown }).prepareStackTrace).toBe(hostPrepare);
    expect(typeof new Error('host').stack).toBe('string');
  });

  it('keeps prototype pollution inside the sandbox', async () => {
    const { result, error } = await attempt(`
(Object.prototype as any).polluted = 'yes';
(Array.prototype as any).push = function () { return 0; };
(JSON as any).parse = () => ({ hijacked: true });
(String.prototype as any).includes = () => true;
Object.defineProperty(Object.prototype, 'toJSON', { value() { return { hijacked: true }; }, configurable: true });
`);
    // The engine inside may or may not survive its own polluted prototypes; the host must.
    if (error) expect(error).toBeInstanceOf(ModelFileError);
    if (result) expect(result.model.layers.length).toBe(2);
    const host: Record<string, unknown> = {};
    expect(host.polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'toJSON')).toBe(false);
    const list = [1];
    list.push(2);
    expect(list).toEqual([1, 2]);
    expect(JSON.parse('{"a":1}')).toEqual({ a: 1 });
    expect('abc'.includes('z')).toBe(false);
    // The next evaluation starts from clean prototypes.
    const next = await evaluateModelSource(`console.log(typeof ({} as any).polluted, [1].push(2));\n${MODEL}`);
    expect(next.logs).toEqual(['undefined 2']);
  });

  it('exposes none of the host globals', async () => {
    const { result } = await attempt(`
const g: any = globalThis;
console.log(['process', 'require', 'module', 'Buffer', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask',
  'fetch', 'XMLHttpRequest', 'WebSocket', 'WebAssembly', 'std', 'os', 'global', '__filename', '__strataEngine', 'hostLog']
  .filter((name) => g[name] !== undefined).join(','));
`);
    expect(result?.logs).toEqual(['']);
  });

  it('stops an infinite loop at the time limit, even one that catches', async () => {
    const started = Date.now();
    const { error } = await attempt(`try { for (;;) {} } catch { for (;;) {} } finally { for (;;) {} }`, { timeoutMs: 300 });
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(ModelFileError);
    const e = error as ModelFileError;
    expect(e.kind).toBe('timeout');
    expect(e.message).toContain('300 ms');
    expect(elapsed).toBeLessThan(3000);
    expect(existsSync(marker)).toBe(false);
  });

  it('stops a loop left behind in a promise job at the time limit', async () => {
    const { error } = await attempt(`Promise.resolve().then(() => { for (;;) {} });`, { timeoutMs: 300 });
    expect((error as ModelFileError).kind).toBe('timeout');
  });

  it('stops an infinite loop that swallows the interrupt in async functions, by ending its thread', async () => {
    const started = Date.now();
    const { error } = await attempt(`for (;;) (async () => { for (;;) {} })();`, { timeoutMs: 300 });
    expect((error as ModelFileError).kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(4000);
    // The sandbox works again afterwards.
    const { result } = await attempt('');
    expect(result?.model.layers.length).toBe(2);
  });

  it('stops promise jobs that keep queueing themselves', async () => {
    const { error } = await attempt(`const again = (): unknown => Promise.resolve().then(again);\nagain();`, { timeoutMs: 300 });
    expect((error as ModelFileError).kind).toBe('timeout');
  });

  it('keeps the host responsive while model code runs', async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 20);
    try {
      const { error } = await attempt(`for (;;) {}`, { timeoutMs: 500 });
      expect((error as ModelFileError).kind).toBe('timeout');
    } finally {
      clearInterval(interval);
    }
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  it('stops the allocation of a huge array at the memory limit', async () => {
    const { error } = await attempt(`const huge = new Array(1e9).fill(0);`, { memoryBytes: 64 * 1024 * 1024 });
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as ModelFileError).kind).toBe('memory');
    expect((error as ModelFileError).message).toContain('64 MiB');
  });

  it('stops many allocations that are each under the limit at the memory limit', async () => {
    const started = Date.now();
    const { error } = await attempt(
      `const keep: Float64Array[] = [];\nfor (;;) keep.push(new Float64Array(1 << 20));`,
      { memoryBytes: 64 * 1024 * 1024, timeoutMs: 20_000 },
    );
    expect((error as ModelFileError).kind).toBe('memory');
    expect((error as ModelFileError).line).toBe(2);
    expect(Date.now() - started).toBeLessThan(10_000); // stopped by memory, not by the clock
  });

  it('stops an endless recursion without harming the host', async () => {
    const { error } = await attempt(`function down(n: number): number { return down(n + 1) + 1; }\ndown(0);`);
    expect((error as ModelFileError).kind).toBe('memory');
    expect((error as ModelFileError).message).toContain('stack overflow');
    // And the next evaluation works.
    const { result } = await attempt('');
    expect(result?.model.layers.length).toBe(2);
  });

  it('hands out only strings through console, however the model code dresses them', async () => {
    const { result } = await attempt(`
const tricky = { toString() { return 'tricky'; } };
const getter = { get boom() { throw new Error('no'); } };
console.log(tricky, getter, Symbol('s'), 10n, undefined, null);
`);
    expect(result?.logs).toHaveLength(1);
    expect(typeof result?.logs[0]).toBe('string');
    expect(result?.logs[0]).toContain('tricky');
  });

  it('cuts runaway output', async () => {
    const { result } = await attempt(`for (let i = 0; i < 20000; i++) console.log('line ' + i);`);
    expect(result?.logs.length).toBeLessThanOrEqual(10_001);
    expect(result?.logs.at(-1)).toMatch(/rest of the output was cut/);
  });
});
