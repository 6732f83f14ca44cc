/**
 * What a new project starts from: one of the seed models (read from `examples/seeds/`, which
 * the packaged app ships beside the code), or a minimal starter model.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ProjectTemplate } from '../../../shared/ipc/index.js';
import { reason } from './files.js';

interface TemplateSource extends ProjectTemplate {
  /** The seed's file in `examples/seeds/`, and the project's model name. */
  model: string;
}

const TEMPLATES: readonly TemplateSource[] = [
  {
    id: 'mnist-mlp',
    title: 'MNIST MLP',
    description: 'Three Dense layers that classify 28×28 handwritten digits given as 784 pixel values.',
    model: 'mnist_model',
  },
  {
    id: 'conv-autoencoder',
    title: 'Conv autoencoder',
    description: 'A convolutional encoder squeezes 28×28 images to 16 numbers; a mirrored decoder rebuilds them.',
    model: 'autoencoder',
  },
  {
    id: 'toy-resnet',
    title: 'Toy ResNet',
    description: 'A small CIFAR-10 convnet with two residual blocks joined by skip connections.',
    model: 'toy_resnet',
  },
  {
    id: 'ticket-model',
    title: 'Multi-input ticket model',
    description: 'Ranks support tickets by priority and routes them to a department from their title, body and tags.',
    model: 'ticket_classifier',
  },
];

const seedsDir = new URL('../../../examples/seeds/', import.meta.url);

/** An empty project's model: the smallest model that evaluates, for the person to grow. */
const STARTER_MODEL = {
  name: 'model',
  code: `import { Input, Model, layers } from 'strata';

const inputs = Input({ shape: [32] });
const outputs = layers.Dense(10)(inputs);

export default Model({ inputs, outputs, name: 'model' });
`,
};

export function projectTemplates(): ProjectTemplate[] {
  return TEMPLATES.map(({ id, title, description }) => ({ id, title, description }));
}

/** The model a new project starts with: the template's, or the starter model when `template` is null. */
export async function templateModel(template: string | null): Promise<{ name: string; code: string }> {
  if (template === null) return STARTER_MODEL;
  const source = TEMPLATES.find((candidate) => candidate.id === template);
  if (source === undefined) {
    throw new Error(`Unknown project template "${template}"; expected one of ${TEMPLATES.map((candidate) => `"${candidate.id}"`).join(', ')}, or none for an empty project.`);
  }
  const path = fileURLToPath(new URL(`${source.model}.ts`, seedsDir));
  try {
    return { name: source.model, code: await readFile(path, 'utf8') };
  } catch (error) {
    throw new Error(`The template "${source.title}" is missing from this installation: could not read ${path} (${reason(error)}).`);
  }
}
