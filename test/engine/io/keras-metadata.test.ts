import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../electron/engine/frontends/dsl.js';
import { KERAS_FORMAT_VERSION, readKerasMetadata } from '../../../electron/engine/io/keras-archive.js';
import { loadModelFile, saveModel } from '../../../electron/engine/io/model-file.js';

function tiny() {
  const inputs = Input({ shape: [2] });
  return Model({ inputs, outputs: layers.Dense(1)(inputs), name: 'tiny' });
}

describe('.keras metadata', () => {
  it('keeps extra fields next to the standard ones, which they cannot replace', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'strata-meta-')), 'm.keras');
    saveModel(tiny(), path, { metadata: { run: { epoch: 3 }, keras_version: '0.0.1' } });
    const metadata = readKerasMetadata(new Uint8Array(readFileSync(path)), path);
    expect(metadata.run).toEqual({ epoch: 3 });
    expect(metadata.keras_version).toBe(KERAS_FORMAT_VERSION);
    expect((await loadModelFile(path)).model.name).toBe('tiny');
  });

  it('refuses metadata for formats without a metadata.json', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'strata-meta-')), 'm.h5');
    expect(() => saveModel(tiny(), path, { metadata: { run: 1 } })).toThrow(/only a \.keras file has a metadata\.json; expected a file name ending in \.keras/);
  });
});
