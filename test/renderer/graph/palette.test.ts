import { describe, expect, it } from 'vitest';
import { paletteGroups, paletteOrder } from '../../../renderer/src/graph/palette.js';
import type { LayerClass } from '../../../shared/ipc/index.js';

const cls = (className: string, family: string): LayerClass => ({ className, family, positional: [], options: [] });
const catalog = [cls('Dense', 'core'), cls('Dropout', 'regularization'), cls('Conv2D', 'conv'), cls('Conv2DTranspose', 'conv'), cls('DepthwiseConv2D', 'conv'), cls('Embedding', 'core')];

const names = (query: string) => paletteGroups(catalog, query).map((g) => [g.family, g.classes.map((c) => c.className)]);

describe('paletteGroups', () => {
  it('lists every class by family, in catalog order, with no query', () => {
    expect(names('')).toEqual([
      ['core', ['Dense', 'Embedding']],
      ['regularization', ['Dropout']],
      ['conv', ['Conv2D', 'Conv2DTranspose', 'DepthwiseConv2D']],
    ]);
  });

  it('keeps classes containing the query, those starting with it first', () => {
    expect(names('conv2d')).toEqual([['conv', ['Conv2D', 'Conv2DTranspose', 'DepthwiseConv2D']]]);
    expect(names('DEPTH')).toEqual([['conv', ['DepthwiseConv2D']]]);
    expect(names('2d conv')).toEqual([['conv', ['Conv2D', 'Conv2DTranspose', 'DepthwiseConv2D']]]);
    expect(names('core d')).toEqual([['core', ['Dense', 'Embedding']]]);
    expect(names('lstm')).toEqual([]);
  });

  it('orders the list as it is shown for the arrow keys', () => {
    expect(paletteOrder(paletteGroups(catalog, 'd')).map((c) => c.className)).toEqual([
      'Dense', 'Embedding', 'Dropout', 'DepthwiseConv2D', 'Conv2D', 'Conv2DTranspose',
    ]);
  });
});
