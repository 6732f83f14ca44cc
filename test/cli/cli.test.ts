import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS, COMMON_OPTIONS, GLOBAL_OPTIONS } from '../../electron/cli/main.js';
import { checkSvg, STACK_LINE, strata } from './helpers.js';

const MODELS = 'test/fixtures/models';
const out = mkdtempSync(join(tmpdir(), 'strata-cli-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const MNIST_TABLE = `Model: "mnist_model"
_________________________________________________________________
Layer (type)                 Output Shape              Param #   
=================================================================
img (InputLayer)             [(None, 784)]             0         
_________________________________________________________________
dense (Dense)                (None, 64)                50240     
_________________________________________________________________
dense_1 (Dense)              (None, 64)                4160      
_________________________________________________________________
dense_2 (Dense)              (None, 10)                650       
=================================================================
Total params: 55,050
Trainable params: 55,050
Non-trainable params: 0
_________________________________________________________________
`;

interface SummaryJson {
  name: string;
  total_params: number;
  trainable_params: number;
  non_trainable_params: number;
  layers: Array<{ name: string; class_name: string; output_shape: unknown; params: number; inbound: string[] }>;
}

async function summaryJson(file: string): Promise<SummaryJson> {
  const run = await strata(['summary', file, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as SummaryJson;
}

describe('strata help', { timeout: 120_000 }, () => {
  it('lists every command and every option, and nothing else', async () => {
    const run = await strata(['--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const implemented = new Set(['help', ...COMMANDS.map((c) => c.name)]);
    const listed = [...run.stdout.split('Commands:')[1]!.split('\n\n')[0]!.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(implemented);
    const options = new Set([...COMMANDS.flatMap((c) => c.options), ...COMMON_OPTIONS, ...GLOBAL_OPTIONS].map((o) => `--${o.name}`));
    const mentioned = new Set(run.stdout.match(/(?<![\w-])--[a-z][a-z-]*/g));
    expect(mentioned).toEqual(options);
    expect(await strata(['help'])).toEqual(run);
    expect((await strata(['-h'])).stdout).toBe(run.stdout);
  });

  it('shows each command with its options, the same way from "help <command>" and "<command> --help"', async () => {
    for (const command of COMMANDS) {
      const run = await strata(['help', command.name]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: ${['strata', command.name, ...command.arguments.map((a) => a.name)].join(' ')} [options]`);
      const mentioned = new Set(run.stdout.match(/(?<![\w-])--[a-z][a-z-]*/g));
      expect(mentioned).toEqual(new Set([...command.options, ...COMMON_OPTIONS].map((o) => `--${o.name}`)));
      for (const o of [...command.options, ...COMMON_OPTIONS]) if (o.short) expect(run.stdout).toContain(`-${o.short}, --${o.name}`);
      expect((await strata([command.name, '--help'])).stdout).toBe(run.stdout);
    }
  });

  it('accepts every option it lists (no option in the help is unknown to the parser)', async () => {
    // Commands that read a model file stop at the missing file, after parsing every option.
    for (const command of COMMANDS.filter((c) => c.modelFileArgument !== undefined)) {
      for (const o of command.options) {
        // Values the command checks before it reads the model must be valid ones.
        const value = ({ output: 'x.svg', out: 'x.npy', limit: '3' } as Record<string, string>)[o.name] ?? 'TB';
        const more = command.arguments.slice(1).map((_, i) => `other-${i}.keras`);
        const args = [command.name, 'missing-model.ts', ...more, `--${o.name}`, ...(o.type === 'string' ? [value] : [])];
        const run = await strata(args);
        // The option parses: the command gets as far as looking for the model file.
        expect(run.stderr, args.join(' ')).toContain('missing-model.ts: cannot read the model file');
        expect(run.code).toBe(1);
      }
    }
  });

  it('prints the version', async () => {
    const run = await strata(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});

describe('strata usage errors (exit 2)', { timeout: 120_000 }, () => {
  it.each([
    [['frobnicate', 'x.ts'], /unknown command "frobnicate"/],
    [['sumary', 'x.ts'], /unknown command "sumary"\. Did you mean "summary"\?/],
    [[], /missing command/],
    [['--bogus'], /unknown option "--bogus"/],
    [['summary', `${MODELS}/mnist.ts`, '--bogus'], /unknown option "--bogus" for "strata summary"/],
    [['plot', `${MODELS}/mnist.ts`, '--json'], /unknown option "--json" for "strata plot"/],
    [['summary'], /needs <model>/],
    [['summary', 'a.ts', 'b.ts'], /unexpected argument "b\.ts"/],
    [['plot', `${MODELS}/mnist.ts`, '-o'], /option "--output" needs a value/],
    [['plot', `${MODELS}/mnist.ts`, '--rankdir', 'BT'], /--rankdir must be TB or LR/],
    [['plot', `${MODELS}/mnist.ts`, '-o', 'model.png'], /must end in \.svg/],
    [['help', 'nope'], /unknown command "nope"/],
  ])('strata %j', async (args, message) => {
    const run = await strata(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/Run "strata (--help|help \w+)" for usage/);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });
});

describe('strata summary', { timeout: 120_000 }, () => {
  it('prints the Keras summary of the seed MNIST model', async () => {
    const run = await strata(['summary', `${MODELS}/mnist.ts`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(MNIST_TABLE);
  });

  it('prints the summary as JSON with Keras field names', async () => {
    expect(await summaryJson(`${MODELS}/mnist.ts`)).toEqual({
      name: 'mnist_model',
      total_params: 55050,
      trainable_params: 55050,
      non_trainable_params: 0,
      layers: [
        { name: 'img', class_name: 'InputLayer', output_shape: [null, 784], params: 0, inbound: [] },
        { name: 'dense', class_name: 'Dense', output_shape: [null, 64], params: 50240, inbound: ['img[0][0]'] },
        { name: 'dense_1', class_name: 'Dense', output_shape: [null, 64], params: 4160, inbound: ['dense[0][0]'] },
        { name: 'dense_2', class_name: 'Dense', output_shape: [null, 10], params: 650, inbound: ['dense_1[0][0]'] },
      ],
    });
  });

  it('shows "Connected to" for a residual model, with both inputs of the Add', async () => {
    const run = await strata(['summary', `${MODELS}/residual.ts`]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[2]).toMatch(/^Layer \(type\)\s+Output Shape\s+Param #\s+Connected to\s*$/);
    const add = lines.findIndex((l) => l.startsWith('skip_add (Add)'));
    expect(lines[add]).toMatch(/^skip_add \(Add\)\s+\(None, 16\)\s+0\s+stem\[0\]\[0\]\s*$/);
    expect(lines[add + 1]).toMatch(/^\s+block_dense_2\[0\]\[0\]\s*$/);
    expect(run.stdout).toContain('Total params: 1,140');
    const json = await summaryJson(`${MODELS}/residual.ts`);
    expect(json.layers.find((l) => l.name === 'skip_add')).toEqual({
      name: 'skip_add',
      class_name: 'Add',
      output_shape: [null, 16],
      params: 0,
      inbound: ['stem[0][0]', 'block_dense_2[0][0]'],
    });
  });

  it('shows a nested model as one layer', async () => {
    const json = await summaryJson(`${MODELS}/nested.ts`);
    expect(json.layers.map((l) => `${l.name} ${l.class_name} ${l.params}`)).toEqual([
      'raw InputLayer 0',
      'encoder Functional 168',
      'classifier Dense 18',
    ]);
    expect(json.total_params).toBe(186);
  });
});

describe('strata plot', { timeout: 120_000 }, () => {
  it('writes a well-formed SVG with one box per layer and one arrow per inbound connection', async () => {
    for (const model of ['mnist', 'residual', 'nested']) {
      const file = join(out, `${model}.svg`);
      const run = await strata(['plot', `${MODELS}/${model}.ts`, '-o', file]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Wrote ${file}`);
      const svg = checkSvg(readFileSync(file, 'utf8'));
      const json = await summaryJson(`${MODELS}/${model}.ts`);
      expect(svg.nodes.map((n) => n.id)).toEqual(json.layers.map((l) => l.name));
      for (const [i, n] of svg.nodes.entries()) {
        expect(n.texts.name).toEqual([json.layers[i]!.name]);
        expect(n.texts['class-name']).toEqual([json.layers[i]!.class_name]);
      }
      expect(svg.edges).toHaveLength(json.layers.reduce((k, l) => k + l.inbound.length, 0));
      const expected = json.layers.flatMap((l) => l.inbound.map((ref) => `${ref.replace(/\[\d+\]\[\d+\]$/, '')}->${l.name}`));
      expect(svg.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual(expected.sort());
      expect(svg.nodes.some((n) => n.texts.shape)).toBe(false);
    }
    // Nothing but the pictures is left in the folder (the temporary files were renamed).
    expect(readdirSync(out).sort()).toEqual(['mnist.svg', 'nested.svg', 'residual.svg']);
  });

  it('draws a nested model as one box, marked as a model', async () => {
    const file = join(out, 'nested-box.svg');
    expect((await strata(['plot', `${MODELS}/nested.ts`, '-o', file])).code).toBe(0);
    const svg = checkSvg(readFileSync(file, 'utf8'));
    expect(svg.nodes.find((n) => n.id === 'encoder')!.classes).toContain('node-model');
    expect(svg.nodes.find((n) => n.id === 'raw')!.classes).toContain('node-input');
    expect(svg.nodes.some((n) => n.id === 'code')).toBe(false);
  });

  it('shows input and output shapes with --show-shapes', async () => {
    const file = join(out, 'shapes.svg');
    const run = await strata(['plot', `${MODELS}/residual.ts`, '--show-shapes', '-o', file]);
    expect(run.code, run.stderr).toBe(0);
    const svg = checkSvg(readFileSync(file, 'utf8'));
    const shapes = (id: string) => svg.nodes.find((n) => n.id === id)!.texts.shape;
    expect(shapes('features')).toEqual(['Input shape: (None, 32)', 'Output shape: (None, 32)']);
    expect(shapes('stem')).toEqual(['Input shape: (None, 32)', 'Output shape: (None, 16)']);
    expect(shapes('skip_add')).toEqual(['Input shape: [(None, 16), (None, 16)]', 'Output shape: (None, 16)']);
  });

  it('hides layer names with --no-show-layer-names (the last of the two flags wins), turns with --rankdir LR', async () => {
    const file = join(out, 'no-names.svg');
    let run = await strata(['plot', `${MODELS}/mnist.ts`, '--show-layer-names', '--no-show-layer-names', '-o', file]);
    expect(run.code, run.stderr).toBe(0);
    let svg = checkSvg(readFileSync(file, 'utf8'));
    expect(svg.nodes.map((n) => n.texts.name)).toEqual([['InputLayer'], ['Dense'], ['Dense'], ['Dense']]);
    run = await strata(['plot', `${MODELS}/mnist.ts`, '--no-show-layer-names', '--show-layer-names', '--rankdir', 'LR', '-o', file]);
    expect(run.code, run.stderr).toBe(0);
    svg = checkSvg(readFileSync(file, 'utf8'));
    expect(svg.nodes.map((n) => n.texts.name)).toEqual([['img'], ['dense'], ['dense_1'], ['dense_2']]);
    expect(svg.width).toBeGreaterThan(svg.height);
  });

  it('replaces an existing picture, and writes next to the current folder by default', async () => {
    const file = join(out, 'replace.svg');
    writeFileSync(file, 'old');
    expect((await strata(['plot', `${MODELS}/mnist.ts`, '-o', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^<\?xml/);
    const cwd = mkdtempSync(join(tmpdir(), 'strata-cwd-'));
    try {
      const run = await strata(['plot', join(process.cwd(), MODELS, 'mnist.ts')], { cwd });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^Wrote mnist\.svg /);
      expect(readdirSync(cwd)).toEqual(['mnist.svg']);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('fails with exit 1 naming the output when it cannot write', async () => {
    const file = join(out, 'no', 'such', 'folder', 'model.svg');
    const run = await strata(['plot', `${MODELS}/mnist.ts`, '-o', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}: cannot write the picture`);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });
});

describe('strata errors in model files (exit 1)', { timeout: 120_000 }, () => {
  it('names a path that does not exist', async () => {
    for (const command of ['summary', 'plot']) {
      const run = await strata([command, 'no/such/model.ts']);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^no\/such\/model\.ts: cannot read the model file: no such file/);
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('locates a shape error in the file and names the layer, in one paragraph without a stack', async () => {
    for (const command of ['summary', 'plot']) {
      const run = await strata([command, `${MODELS}/bad_shape.ts`]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        /^test\/fixtures\/models\/bad_shape\.ts:8:\d+: layer "dense_1": Input 0 of layer "dense_1" is incompatible with the layer: expected axis -1 of input shape to have value 64, but received input with shape \(None, 32\)\n$/,
      );
      expect(run.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('locates an exception thrown by the model code', async () => {
    const run = await strata(['summary', `${MODELS}/runtime_error.ts`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^test\/fixtures\/models\/runtime_error\.ts:6:\d+: TypeError: /);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('adds the stack trace with --verbose', async () => {
    const run = await strata(['summary', `${MODELS}/bad_shape.ts`, '--verbose']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^test\/fixtures\/models\/bad_shape\.ts:8:\d+: layer "dense_1": /);
    expect(run.stderr).toMatch(STACK_LINE);
  });
});
