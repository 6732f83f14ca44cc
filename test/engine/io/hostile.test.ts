/**
 * Model files nobody vouches for. Every damaged, truncated, inconsistent or hostile file ends
 * in a StrataError that names the file (or in a valid model); opening one never runs code from
 * it, never reads or writes another file, never allocates what it merely declares, and never
 * hangs or takes the HDF5 library down.
 */
import { existsSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { strFromU8 } from 'fflate';
import * as h5 from 'h5wasm/node';
import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../electron/engine/frontends/dsl.js';
import { modelToConfig } from '../../../electron/engine/graph/deserialize.js';
import { ValueError } from '../../../electron/engine/graph/errors.js';
import { resetNames } from '../../../electron/engine/graph/index.js';
import { floatValues, readHdf5 } from '../../../electron/engine/io/hdf5.js';
import { loadModelFile } from '../../../electron/engine/io/model-file.js';
import {
  directoryEntry,
  folder,
  globalHeapObjects,
  members,
  predictOnes,
  refusal,
  saved,
  tinyModel,
  written,
  zip,
} from './hostile-files.js';

await h5.ready;

beforeEach(() => resetNames());

const tinyKeras = saved(tinyModel(), 'tiny.keras');
const tinyH5 = saved(tinyModel(), 'tiny.h5');
const read = (path: string) => new Uint8Array(readFileSync(path));
const kerasBytes = () => read(tinyKeras);
const h5Bytes = () => read(tinyH5);
const tinyMembers = () => members(kerasBytes());
type Config = { config: { layers: Array<{ config: Record<string, unknown>; build_config?: unknown }> } };
const tinyConfig = () => JSON.parse(strFromU8(tinyMembers()['config.json']!)) as Config;

/** The tiny model's config without its build shapes, so that its layers take the shapes they are given. */
function unbuiltConfig(): Config {
  const config = tinyConfig();
  for (const layer of config.config.layers) delete layer.build_config;
  return config;
}

/** A .keras of `config` (an object, or text as is) with the tiny model's weights. */
function kerasWith(name: string, config: unknown, weights = tinyMembers()['model.weights.h5']!): string {
  const text = typeof config === 'string' ? config : JSON.stringify(config);
  return written(name, zip({ 'metadata.json': '{"keras_version": "3.10.0"}', 'config.json': text, 'model.weights.h5': weights }));
}

/** A copy of a legacy .h5 file whose model_config attribute is replaced. */
function h5With(name: string, source: string, modelConfig: unknown): string {
  const path = written(name, read(source));
  const file = new h5.File(path, 'a');
  file.delete_attribute('model_config');
  file.create_attribute('model_config', JSON.stringify(modelConfig));
  file.close();
  return path;
}

/** The model_config attribute of a legacy .h5 file. */
function h5Config(path: string): Record<string, unknown> {
  const file = new h5.File(path, 'r');
  const text = file.attrs['model_config']!.value as string;
  file.close();
  return JSON.parse(text) as Record<string, unknown>;
}

const lambdaConfig = {
  class_name: 'Sequential',
  config: {
    name: 'with_lambda',
    layers: [
      { class_name: 'InputLayer', config: { batch_shape: [null, 4], name: 'features' } },
      { class_name: 'Lambda', config: { name: 'double_it', function: { class_name: '__lambda__', config: { code: '4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwCpAk7pAgAAAKkAqQHaAXhyAwAAAHIDAAAA+gc8c3RkaW4+2gg8bGFtYmRhPgEAAABzAgAAAAgA', defaults: null, closure: null } } } },
    ],
  },
};

const customConfig = {
  class_name: 'Sequential',
  config: {
    name: 'with_custom',
    layers: [
      { class_name: 'InputLayer', config: { batch_shape: [null, 4], name: 'features' } },
      { module: 'my_package.layers', class_name: 'MyDense', registered_name: 'my_package>MyDense', config: { name: 'mine', units: 3 } },
    ],
  },
};

describe('damaged files', () => {
  it('an empty file, wrong magic bytes and text are refused, saying what the file starts with', async () => {
    expect((await refusal(written('empty.keras', new Uint8Array(0)))).message).toMatch(/is an empty file/);
    expect((await refusal(written('magic.keras', new Uint8Array([0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0])))).message).toMatch(/starting with bytes 50 4b 05 06/);
    expect((await refusal(written('text.h5', 'model weights, honest')))).toBeInstanceOf(ValueError);
    const hdf5Garbage = new Uint8Array(512).fill(7);
    hdf5Garbage.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect((await refusal(written('garbage.h5', hdf5Garbage))).message).toMatch(/could not be read as HDF5 \(.+\); the file is truncated or damaged/);
  });

  it.each([
    ['.keras', () => kerasBytes()],
    ['.h5', () => h5Bytes()],
  ])('a %s file cut short anywhere is refused', async (ext, bytes) => {
    const whole = bytes();
    const cuts = new Set([1, 4, 7, 8, 22, 100, 512, whole.length - 22, whole.length - 1]);
    for (let k = 1; k < 16; k++) cuts.add(Math.floor((whole.length * k) / 16));
    for (const cut of cuts) await refusal(written(`cut-${cut}${ext}`, whole.subarray(0, cut)));
    // what stays after a cut is a valid file again
    expect(predictOnes((await loadModelFile(written(`whole${ext}`, whole))).model)).toHaveLength(2);
  });

  it('a flipped byte in a .keras member fails its CRC-32 check, naming the member', async () => {
    const bytes = kerasBytes();
    const inConfig = Buffer.from(bytes).indexOf('"class_name"') + 3;
    const inWeights = Buffer.from(bytes).indexOf(Buffer.from([0x89, 0x48, 0x44, 0x46])) + 200;
    for (const [at, member] of [
      [inConfig, 'config.json'],
      [inWeights, 'model.weights.h5'],
    ] as const) {
      const flipped = bytes.slice();
      flipped[at] = flipped[at]! ^ 0x10;
      expect((await refusal(written(`flip-${member}.keras`, flipped))).message).toContain(`member ${member} fails its CRC-32 check`);
    }
  });

  it('a damaged HDF5 superblock is refused in HDF5 words', async () => {
    for (const at of [8, 9, 13, 24, 40]) {
      const flipped = h5Bytes();
      flipped[at] = flipped[at]! ^ 0xff;
      expect((await refusal(written(`superblock-${at}.h5`, flipped))).message).toMatch(/could not be read as HDF5 \(.+\)/);
    }
  });

  it('a zip whose directory lists more members than it can hold is refused without walking them', async () => {
    const bytes = kerasBytes();
    const end = Buffer.from(bytes).lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const lying = bytes.slice();
    new DataView(lying.buffer).setUint16(end + 8, 0xffff, true);
    new DataView(lying.buffer).setUint16(end + 10, 0xffff, true);
    expect((await refusal(written('count.keras', lying))).message).toMatch(/cannot hold the 65535 members it lists/);
  });
});

describe('zips that are not .keras models', () => {
  it('a zip without config.json or without model.weights.h5 is refused, listing what it holds', async () => {
    const { 'config.json': config, 'model.weights.h5': weights } = tinyMembers();
    expect((await refusal(written('no-config.keras', zip({ 'model.weights.h5': weights! })))).message).toMatch(/has no config\.json \(it holds model\.weights\.h5\)/);
    expect((await refusal(written('no-weights.keras', zip({ 'config.json': config! })))).message).toMatch(/has no model\.weights\.h5 \(it holds config\.json\)/);
  });

  it('config.json that is not JSON, not an object, or a list is refused', async () => {
    expect((await refusal(kerasWith('not-json.keras', '{"class_name": "Functional", '))).message).toMatch(/config\.json is not valid JSON/);
    expect((await refusal(kerasWith('number.keras', '42'))).message).toMatch(/expected a model object with a "class_name"; received 42/);
    expect((await refusal(kerasWith('list.keras', '[{"class_name": "Dense"}]'))).message).toMatch(/expected a model object with a "class_name"; received \[/);
    expect((await refusal(kerasWith('nameless.keras', { config: { layers: [] } }))).message).toMatch(/expected a model object with a "class_name"/);
  });

  it('two members of the same name are refused rather than one picked', async () => {
    const { 'config.json': config, 'model.weights.h5': weights } = tinyMembers();
    const bytes = zip({ 'config.json': config!, 'config.jsoX': config!, 'model.weights.h5': weights! });
    const entry = directoryEntry(bytes, 'config.jsoX');
    bytes.set(new TextEncoder().encode('config.json'), entry + 46);
    expect((await refusal(written('twice.keras', bytes))).message).toMatch(/holds 2 members named config\.json/);
  });
});

describe('configs and weights that do not match', () => {
  /** A .keras with the config of `configOf` and the weights of `weightsOf`. */
  function mixed(name: string, configOf: ReturnType<typeof tinyModel>, weightsOf: ReturnType<typeof tinyModel>): string {
    const config = members(read(saved(configOf, `${name}-config.keras`)))['config.json']!;
    const weights = members(read(saved(weightsOf, `${name}-weights.keras`)))['model.weights.h5']!;
    return kerasWith(`${name}.keras`, strFromU8(config), weights);
  }

  it('.keras: a layer missing from the weights, an extra or a missing variable, a variable of the wrong shape', async () => {
    expect((await refusal(mixed('group', tinyModel({ outputs: 2 }), tinyModel()))).message).toMatch(
      /layer "dense_2" \(Dense, at layers\/dense_2\/vars\) has 2 variable\(s\) \(kernel \[2,2\], bias \[2\]\), but the weights file holds no group for it/,
    );
    expect((await refusal(mixed('extra', tinyModel({ useBias: false }), tinyModel()))).message).toMatch(
      /layer "dense" \(Dense, at layers\/dense\/vars\) has 1 variable\(s\) \(kernel \[4,3\]\), but the weights file holds 2 for it/,
    );
    expect((await refusal(mixed('missing', tinyModel(), tinyModel({ useBias: false })))).message).toMatch(/layer "dense" .* has 2 variable\(s\) .* holds 1 for it/);
    expect((await refusal(mixed('shape', tinyModel(), tinyModel({ units: 5 })))).message).toMatch(
      /layer "dense" \(Dense, at layers\/dense\/vars\) expects kernel of shape \[4,3\]; the file holds shape \[4,5\]/,
    );
  });

  it('legacy .h5: a layer missing from the weights, an extra or a missing weight, a weight of the wrong shape', async () => {
    const configOf = (model: ReturnType<typeof tinyModel>, name: string) => h5Config(saved(model, name));
    expect((await refusal(h5With('group.h5', tinyH5, configOf(tinyModel({ outputs: 2 }), 'deeper.h5')))).message).toMatch(
      /the model config has 3 layers with weights \(dense, dense_1, dense_2\), but the file holds weights for 2/,
    );
    expect((await refusal(h5With('extra.h5', tinyH5, configOf(tinyModel({ useBias: false }), 'nobias.h5')))).message).toMatch(
      /layer "dense" \(Dense\) has 1 weights, but the file's group "dense" lists 2/,
    );
    expect((await refusal(h5With('shape.h5', tinyH5, configOf(tinyModel({ units: 5 }), 'wide.h5')))).message).toMatch(
      /layer "dense" expects kernel of shape \[4,5\]; the file's "dense\/dense\/kernel" has shape \[4,3\]/,
    );
  });
});

describe('sizes a file declares are refused before anything is allocated for them', () => {
  async function refusedQuickly(path: string): Promise<string> {
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    const message = (await refusal(path)).message;
    expect(performance.now() - started).toBeLessThan(5000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 * 2 ** 20);
    return message;
  }

  it('a Dense layer of 10^10 units', async () => {
    const config = unbuiltConfig();
    config.config.layers[1]!.config.units = 1e10;
    expect(await refusedQuickly(kerasWith('units.keras', config))).toMatch(
      /layer "dense" \(Dense\) declares weight kernel of shape \(4, 10000000000\), 40000000000 values; a weight may hold at most 2147483647/,
    );
  });

  it('an input of [null, 100000, 100000] feeding a Dense layer', async () => {
    const config = unbuiltConfig();
    config.config.layers[0]!.config.batch_shape = [null, 100000, 100000];
    expect(await refusedQuickly(kerasWith('input.keras', config))).toMatch(
      /layer "input_layer" \(InputLayer\) outputs shape \(None, 100000, 100000\), 10000000000 values per sample; a tensor may hold at most 2147483647/,
    );
  });

  it('weights that together need more than half of the machine memory', async () => {
    // Each kernel is within the limit for one weight; enough of them are not.
    const kernelBytes = 40000 * 40000 * 4;
    const count = Math.floor(totalmem() / 2 / kernelBytes) + 1;
    const inputs = Input({ shape: [40000] });
    let h = inputs;
    for (let i = 0; i < count; i++) h = layers.Dense(40000, { useBias: false })(h);
    const config = modelToConfig(Model({ inputs, outputs: h }));
    expect(await refusedQuickly(kerasWith('budget.keras', config))).toMatch(/the model's weights hold \d+ values \([\d.]+ GiB\); a model from a file may take at most [\d.]+ GiB, half of this machine's memory/);
  });

  it('a zip member declaring more bytes than its compressed data can inflate to', async () => {
    const bytes = zip(tinyMembers(), 6);
    const entry = directoryEntry(bytes, 'model.weights.h5');
    new DataView(bytes.buffer).setUint32(entry + 24, 0xfffffff0, true);
    expect(await refusedQuickly(written('bomb.keras', bytes))).toMatch(/member model\.weights\.h5 declares 4294967280 bytes from \d+ compressed ones, more than deflate can produce/);
  });

  it('an HDF5 dataset declaring more than 2^31 - 1 values', () => {
    const path = join(folder, 'declared.h5');
    const file = new h5.File(path, 'w');
    const dataset = file.create_dataset({ name: 'kernel', data: new Float32Array(1), shape: [1], maxshape: [null], chunks: [1024], dtype: '<f' });
    dataset.resize([2 ** 31]);
    file.close();
    expect(() => readHdf5(read(path), path, (f) => floatValues(f.get('kernel') as never, `${path}: kernel`))).toThrow(
      /kernel declares shape \[2147483648\], 2147483648 values; a weight holds at most 2147483647/,
    );
  });
});

describe('hostile content', () => {
  it('a Lambda layer is refused, naming it, in either format', async () => {
    for (const path of [kerasWith('lambda.keras', lambdaConfig), h5With('lambda.h5', tinyH5, lambdaConfig)]) {
      expect((await refusal(path)).message).toMatch(/layer "double_it" is a Lambda layer whose function is stored as Python bytecode; Strata cannot run Python code/);
    }
  });

  it('an unknown custom class is refused, naming it', async () => {
    for (const path of [kerasWith('custom.keras', customConfig), h5With('custom.h5', tinyH5, customConfig)]) {
      expect((await refusal(path)).message).toMatch(/Unknown layer class "my_package>MyDense" .*\(layer "mine"\)/);
    }
  });

  it('a config with __proto__ keys changes no prototype', async () => {
    const text = JSON.stringify(tinyConfig()).replace('"units":3', '"units":3,"__proto__":{"polluted":"yes"}');
    try {
      await loadModelFile(kerasWith('proto.keras', JSON.parse(text)));
    } catch {
      // refused or not, nothing else may change
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('member names that climb out of the folder are never used as paths: the model loads and nothing is written', async () => {
    const { 'config.json': config, 'model.weights.h5': weights } = tinyMembers();
    const evil = ['../../strata-evil.txt', '/tmp/strata-evil-absolute.txt', 'assets/../../../strata-evil-nested.txt', '..\\..\\strata-evil-windows.txt'];
    const files: Record<string, Uint8Array | string> = { 'config.json': config!, 'model.weights.h5': weights! };
    for (const name of evil) files[name] = 'pwned';
    const loaded = await loadModelFile(written('climbing.keras', zip(files)));
    expect(predictOnes(loaded.model)).toHaveLength(2);
    for (const name of evil) {
      for (const base of [folder, process.cwd()]) expect(existsSync(resolve(base, name)), name).toBe(false);
    }
    expect((await refusal(written('climbing-config.keras', zip({ '../config.json': config!, 'model.weights.h5': weights! })))).message).toMatch(
      /has no config\.json \(it holds \.\.\/config\.json, model\.weights\.h5\)/,
    );
  });

  it('an HDF5 external link to another file is not followed', async () => {
    const secret = join(folder, 'secret.h5');
    const other = new h5.File(secret, 'w');
    other.create_dataset({ name: 'kernel', data: new Float32Array(12).fill(42), shape: [4, 3], dtype: '<f' });
    other.close();
    const weightsPath = join(folder, 'linked.weights.h5');
    const file = new h5.File(weightsPath, 'w');
    const vars = (path: string) => {
      let group = file as h5.Group;
      for (const part of path.split('/')) group = group.create_group(part)!;
      return group;
    };
    vars('layers/dense/vars').create_external_link(secret, '/kernel', '0');
    (file.get('layers/dense/vars') as h5.Group).create_dataset({ name: '1', data: new Float32Array(3), shape: [3], dtype: '<f' });
    vars('layers/dense_1/vars').create_dataset({ name: '0', data: new Float32Array(6), shape: [3, 2], dtype: '<f' });
    (file.get('layers/dense_1/vars') as h5.Group).create_dataset({ name: '1', data: new Float32Array(2), shape: [2], dtype: '<f' });
    file.close();
    // h5wasm on its own follows the link into the other file …
    const check = new h5.File(weightsPath, 'r');
    expect(Array.from((check.get('layers/dense/vars/0') as h5.Dataset).value as Float32Array)).toEqual(new Array(12).fill(42));
    check.close();
    // … Strata's reader opens no file but the one it was given.
    const error = await refusal(kerasWith('linked.keras', strFromU8(tinyMembers()['config.json']!), read(weightsPath)));
    expect(error.message).toMatch(/layer "dense" .* has 2 variable\(s\) .* holds 1 for it/);
  });
});

describe('HDF5 failures stay in the file', () => {
  it('groups that link back to the group holding them are refused, not walked forever', async () => {
    const path = written('cycle.weights.h5', tinyMembers()['model.weights.h5']!);
    const file = new h5.File(path, 'a');
    (file.get('layers/dense') as h5.Group).create_hard_link('/layers', 'again');
    file.close();
    expect((await refusal(kerasWith('cycle.keras', strFromU8(tinyMembers()['config.json']!), read(path)))).message).toMatch(/its groups nest deeper than 64 levels/);
  });

  it('a file on which HDF5 loops forever is refused within the time limit', async () => {
    // A global heap whose free space has size 0: HDF5 reads the same entry again and again.
    const bytes = h5Bytes();
    const free = globalHeapObjects(bytes).find((o) => o.index === 0)!;
    new DataView(bytes.buffer).setBigUint64(free.at + 8, 0n, true);
    const started = performance.now();
    expect((await refusal(written('loops.h5', bytes))).message).toMatch(/HDF5 was still reading it after [\d.]+ s/);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(predictOnes((await loadModelFile(tinyH5)).model)).toHaveLength(2);
  });

  it('a file on which HDF5 aborts is refused, and HDF5 keeps working', async () => {
    // A global heap entry declaring a size past the end of its collection.
    const bytes = h5Bytes();
    const first = globalHeapObjects(bytes)[0]!;
    new DataView(bytes.buffer).setBigUint64(first.at + 8, 0x10000n, true);
    expect((await refusal(written('aborts.h5', bytes))).message).toMatch(/could not be read as HDF5 \(.+\)/);
    const reference = predictOnes((await loadModelFile(tinyH5)).model);
    for (let i = 0; i < 3; i++) await refusal(written(`aborts-${i}.h5`, bytes));
    expect(predictOnes((await loadModelFile(tinyH5)).model)).toEqual(reference);
  });
});
