/**
 * Every model file in examples/seeds/ (the models of the seed guides, the specification of
 * Strata's model API) and examples/ (starting points for users) is evaluated in the model
 * sandbox, and its parameter counts are checked against the table below — the same numbers
 * as examples/seeds/README.md, where each one is justified (the guide's printed summary, or
 * the arithmetic by Keras' rules). A file without a row here fails the suite.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../electron/engine/graph/index.js';
import { evaluateModelFile } from '../../electron/host/model-evaluation/index.js';

const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '../../examples');

interface Expected {
  total: number;
  trainable: number;
  nonTrainable: number;
  /**
   * A missing engine feature that keeps the file from evaluating as the guide's code is
   * written: the test then checks that evaluation fails with `error`, and starts failing the
   * suite the day the feature lands — then delete the gap.
   */
  engineGap?: { why: string; error: RegExp };
}

const all = (total: number): Expected => ({ total, trainable: total, nonTrainable: 0 });

/** Keyed by path under examples/. */
const EXPECTED: Record<string, Expected> = {
  // ---- seeds/000 (R) + seeds/001 (Python): "The Functional API" -------------------------------
  'seeds/mnist_model.ts': all(55_050), // printed
  'seeds/encoder.ts': all(18_672), // printed
  'seeds/autoencoder.ts': all(28_241), // printed
  'seeds/decoder.ts': all(9_569), // printed
  'seeds/autoencoder_nested.ts': all(28_241), // printed
  'seeds/ensemble.ts': all(387),
  'seeds/ticket_classifier.ts': all(1_392_097),
  'seeds/toy_resnet.ts': all(223_242), // printed
  'seeds/shared_embedding.ts': all(128_000),
  'seeds/vgg19.ts': all(143_667_240), // Keras' documented count
  'seeds/feature_extractor.ts': all(143_667_240),
  'seeds/custom_dense.ts': all(50),
  'seeds/mlp.ts': all(2_762),
  'seeds/custom_rnn_with_model.ts': all(1_281),
  'seeds/custom_rnn.ts': all(2_657),
  // ---- seeds/002 (R vignette) + seeds/004 (Python notebook) -------------------------------------
  'seeds/dense_network.ts': all(55_050),
  'seeds/time_distributed_classifier.ts': all(55_050),
  'seeds/headline_model.ts': all(5_200_610), // printed
  'seeds/shared_lstm_tweets.ts': all(82_305),
  'seeds/lstm_nodes.ts': all(36_992),
  'seeds/conv_nodes.ts': all(448),
  'seeds/inception_module.ts': all(140_160),
  'seeds/residual_conv.ts': all(84),
  'seeds/shared_vision_model.ts': all(53_057),
  'seeds/vqa_model.ts': all(165_077_800),
  'seeds/video_qa_model.ts': all(169_436_968),
  'seeds/multi_input_output.ts': all(14_347),
  'seeds/shared_dense_twice.ts': all(4_810),
  'seeds/dense_nodes.ts': all(8_224),
  // ---- seeds/003 (Python notebook, Deep Learning with Python ch. 7) ------------------------------
  'seeds/seq_model.ts': all(3_466), // printed
  'seeds/seq_model_functional.ts': all(3_466), // printed
  'seeds/question_answering.ts': all(1_000_052),
  'seeds/posts_multi_output.ts': all(14_146_316),
  'seeds/inception_v3_module.ts': all(836_480),
  'seeds/residual_identity.ts': all(442_752),
  'seeds/residual_projection.ts': all(229_760),
  'seeds/siamese_lstm.ts': all(20_673),
  'seeds/siamese_xception.ts': { total: 20_861_480, trainable: 20_806_952, nonTrainable: 54_528 }, // Keras' documented count
  // ---- examples/ -----------------------------------------------------------------------------------
  'inception_block.ts': all(141_434),
  'siamese_encoder.ts': all(223_873),
  'multi_output.ts': all(61_390),
  'mnist_cnn.ts': all(34_826),
};

function modelFiles(): string[] {
  const list = (sub: string) =>
    readdirSync(join(examplesDir, sub), { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => (sub ? `${sub}/${e.name}` : e.name));
  return [...list('seeds'), ...list('')].sort();
}

const files = modelFiles();

describe('example model files', () => {
  it('has an expected row for every model file, and a model file for every row', () => {
    expect(files.filter((f) => !(f in EXPECTED)), 'files without a row in EXPECTED').toEqual([]);
    expect(Object.keys(EXPECTED).filter((f) => !files.includes(f)), 'rows without a file').toEqual([]);
  });

  for (const file of files) {
    const expected = EXPECTED[file];
    const gap = expected?.engineGap;
    const title = `${file}: ${expected ? `${expected.total.toLocaleString('en-US')} params` : 'no expected row'}`;
    it(gap ? `${title} — engine gap: ${gap.why}` : title, async () => {
      expect(expected, `examples/${file} has no row in EXPECTED`).toBeDefined();
      if (gap) {
        await expect(evaluateModelFile(join(examplesDir, file)), 'the engine gap is closed: delete `engineGap`').rejects.toThrow(gap.error);
        return;
      }
      const { model } = await evaluateModelFile(join(examplesDir, file));
      const s = summarize(model);
      expect({ total: s.totalParams, trainable: s.trainableParams, nonTrainable: s.nonTrainableParams }).toEqual({
        total: expected!.total,
        trainable: expected!.trainable,
        nonTrainable: expected!.nonTrainable,
      });
    });
  }
});

/** name, class, output shape, params — as the guides' summaries print them, with Strata's (Keras 3) names. */
type Row = [string, string, Array<number | null>, number];

async function rows(file: string) {
  const { model, logs } = await evaluateModelFile(join(examplesDir, file));
  const s = summarize(model);
  return {
    logs: logs.join('\n'),
    summary: s,
    rows: s.rows.map((r): Row => [r.name, r.className, model.getLayer(r.name).outputShape as Array<number | null>, r.params]),
    inbound: Object.fromEntries(s.rows.map((r) => [r.name, r.inbound])),
  };
}

describe('summaries as the guides print them', () => {
  it('mnist_model (seeds/001: input_1, dense, dense_1, dense_2)', async () => {
    const { rows: r, logs } = await rows('seeds/mnist_model.ts');
    expect(logs).toContain('Model: "mnist_model"');
    // Keras 2 named the unnamed input `input_1`; Keras 3 and Strata name it `input_layer`.
    expect(r).toEqual<Row[]>([
      ['input_layer', 'InputLayer', [null, 784], 0],
      ['dense', 'Dense', [null, 64], 50240],
      ['dense_1', 'Dense', [null, 64], 4160],
      ['dense_2', 'Dense', [null, 10], 650],
    ]);
  });

  it('toy_resnet (seeds/001, names counted from this file: conv2d_8 → conv2d, dense_6 → dense, …)', async () => {
    const { rows: r, inbound, logs } = await rows('seeds/toy_resnet.ts');
    expect(logs).toContain('Model: "toy_resnet"');
    expect(r).toEqual<Row[]>([
      ['img', 'InputLayer', [null, 32, 32, 3], 0],
      ['conv2d', 'Conv2D', [null, 30, 30, 32], 896],
      ['conv2d_1', 'Conv2D', [null, 28, 28, 64], 18496],
      ['max_pooling2d', 'MaxPooling2D', [null, 9, 9, 64], 0],
      ['conv2d_2', 'Conv2D', [null, 9, 9, 64], 36928],
      ['conv2d_3', 'Conv2D', [null, 9, 9, 64], 36928],
      ['add', 'Add', [null, 9, 9, 64], 0],
      ['conv2d_4', 'Conv2D', [null, 9, 9, 64], 36928],
      ['conv2d_5', 'Conv2D', [null, 9, 9, 64], 36928],
      ['add_1', 'Add', [null, 9, 9, 64], 0],
      ['conv2d_6', 'Conv2D', [null, 7, 7, 64], 36928],
      ['global_average_pooling2d', 'GlobalAveragePooling2D', [null, 64], 0],
      ['dense', 'Dense', [null, 256], 16640],
      ['dropout', 'Dropout', [null, 256], 0],
      ['dense_1', 'Dense', [null, 10], 2570],
    ]);
    // "Connected to": add ← conv2d_11 + max_pooling2d_2, add_1 ← conv2d_13 + add in the guide.
    expect(inbound.add).toEqual(['conv2d_3[0][0]', 'max_pooling2d[0][0]']);
    expect(inbound.add_1).toEqual(['conv2d_5[0][0]', 'add[0][0]']);
  });

  it('model.summary() in a model file prints the totals as the guides do ("Total params: 223,242")', async () => {
    const mnist = await rows('seeds/mnist_model.ts');
    expect(mnist.logs).toContain('Total params: 55,050');
    const resnet = await rows('seeds/toy_resnet.ts');
    expect(resnet.logs).toContain('Total params: 223,242');
    expect(resnet.logs).toContain('Trainable params: 223,242');
  });

  it('autoencoder (nested): img, encoder (Functional), decoder (Functional)', async () => {
    const { rows: r } = await rows('seeds/autoencoder_nested.ts');
    expect(r).toEqual<Row[]>([
      ['img', 'InputLayer', [null, 28, 28, 1], 0],
      ['encoder', 'Functional', [null, 16], 18672],
      ['decoder', 'Functional', [null, 28, 28, 1], 9569],
    ]);
  });

  it('headline model (seeds/002): layer order, shapes and params of the printed summary', async () => {
    const { rows: r } = await rows('seeds/headline_model.ts');
    expect(r).toEqual<Row[]>([
      ['main_input', 'InputLayer', [null, 100], 0],
      ['embedding', 'Embedding', [null, 100, 512], 5120000],
      ['lstm', 'LSTM', [null, 32], 69760],
      ['aux_input', 'InputLayer', [null, 5], 0],
      ['concatenate', 'Concatenate', [null, 37], 0],
      ['dense', 'Dense', [null, 64], 2432],
      ['dense_1', 'Dense', [null, 64], 4160],
      ['dense_2', 'Dense', [null, 64], 4160],
      ['main_output', 'Dense', [null, 1], 65],
      ['aux_output', 'Dense', [null, 1], 33],
    ]);
  });

  it('seq_model (seeds/003): a Sequential summary has no input row', async () => {
    const { rows: r } = await rows('seeds/seq_model.ts');
    expect(r).toEqual<Row[]>([
      ['dense', 'Dense', [null, 32], 2080],
      ['dense_1', 'Dense', [null, 32], 1056],
      ['dense_2', 'Dense', [null, 10], 330],
    ]);
  });
});
