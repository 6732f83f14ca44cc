import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers, losses, optimizers } from '../../../electron/engine/frontends/dsl.js';
import { resetNames, type SymbolicTensor } from '../../../electron/engine/graph/index.js';
import { Random } from '../../../electron/engine/tensor/random.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';

beforeEach(() => resetNames());

const numWords = 50;
const numTags = 12;
const numDepartments = 4;
const titleLength = 6;
const bodyLength = 10;

/** The ticket classifier of examples/seeds/ticket_classifier.ts, with a small vocabulary and fixed-length sequences. */
function ticketClassifier() {
  const title = Input({ shape: [titleLength], name: 'title' });
  const body = Input({ shape: [bodyLength], name: 'body' });
  const tags = Input({ shape: [numTags], name: 'tags' });
  const titleFeatures = layers.LSTM(16)(layers.Embedding(numWords, 8)(title));
  const bodyFeatures = layers.LSTM(8)(layers.Embedding(numWords, 8)(body));
  const x = layers.concatenate([titleFeatures, bodyFeatures, tags]) as SymbolicTensor;
  const priority = layers.Dense(1, { name: 'priority' })(x) as SymbolicTensor;
  const department = layers.Dense(numDepartments, { name: 'department' })(x) as SymbolicTensor;
  const model = Model({ inputs: [title, body, tags], outputs: [priority, department] });
  model.compile({
    optimizer: optimizers.RMSprop(3e-3),
    loss: {
      priority: losses.BinaryCrossentropy({ fromLogits: true }),
      department: losses.CategoricalCrossentropy({ fromLogits: true }),
    },
    lossWeights: { priority: 1, department: 0.2 },
  });
  return model;
}

/**
 * Tickets with a learnable rule: urgent when the title holds word 1 or tag 0 is set; the
 * department is the one whose tag (tags 1-4) is set.
 */
function tickets(n: number, seed: number) {
  const rng = new Random(seed);
  const word = () => 2 + Math.floor(rng.uniform() * (numWords - 2));
  const title = new Float32Array(n * titleLength);
  const body = new Float32Array(n * bodyLength);
  const tags = new Float32Array(n * numTags);
  const priority = new Float32Array(n);
  const department = new Float32Array(n * numDepartments);
  for (let i = 0; i < n; i++) {
    const urgentWord = rng.uniform() < 0.3;
    for (let t = 0; t < titleLength; t++) title[i * titleLength + t] = word();
    if (urgentWord) title[i * titleLength + Math.floor(rng.uniform() * titleLength)] = 1;
    for (let t = 0; t < bodyLength; t++) body[i * bodyLength + t] = word();
    const urgentTag = rng.uniform() < 0.3;
    tags[i * numTags] = urgentTag ? 1 : 0;
    for (let t = 5; t < numTags; t++) tags[i * numTags + t] = rng.uniform() < 0.3 ? 1 : 0;
    const d = Math.floor(rng.uniform() * numDepartments);
    tags[i * numTags + 1 + d] = 1;
    priority[i] = urgentWord || urgentTag ? 1 : 0;
    department[i * numDepartments + d] = 1;
  }
  return {
    x: {
      title: { shape: [n, titleLength], data: title },
      body: { shape: [n, bodyLength], data: body },
      tags: { shape: [n, numTags], data: tags },
    },
    y: { priority: { shape: [n, 1], data: priority }, department: { shape: [n, numDepartments], data: department } },
  };
}

describe('the multi-input, multi-output ticket classifier', () => {
  it('trains with losses and loss weights by output name on data keyed by name', () => {
    const model = ticketClassifier();
    const data = tickets(2048, 5);
    const trainer = new Trainer(model, 1);
    const h = trainer.fit(data.x, data.y, { epochs: 10, batchSize: 32, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['department_loss', 'loss', 'priority_loss']);
    const loss = h.history.loss!;
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]! * 0.5);
    h.history.loss!.forEach((l, e) => expect(l).toBeCloseTo(h.history.priority_loss![e]! + 0.2 * h.history.department_loss![e]!, 4));
    expect(h.history.department_loss![9]!).toBeLessThan(h.history.department_loss![0]! * 0.5);
    const unseen = tickets(256, 6);
    expect(trainer.evaluate(unseen.x, unseen.y).loss).toBeLessThan(loss[0]! * 0.5);
  });
});
