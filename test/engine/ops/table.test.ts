import { describe, expect, it } from 'vitest';
import { OPS, OP_NAMES, getOp, ops, type OpName, type OperandInfo, type TracedTensor } from '../../../electron/engine/ops/index.js';
import { Input, Layer, TypeError_, ValueError } from '../../../electron/engine/graph/index.js';
import type { Shape } from '../../../electron/engine/graph/index.js';

/** Output shape of an op for operand shapes and raw attributes, through the table only. */
function shapeOf(name: OpName, shapes: Shape[], raw: Record<string, unknown> = {}): Shape {
  const def = getOp(name)!;
  return def.shape(shapes, def.attrs(raw));
}

function dtypeOf(name: OpName, operands: OperandInfo[], raw: Record<string, unknown> = {}) {
  const def = getOp(name)!;
  return def.dtype(operands, def.attrs(raw));
}

const f = (shape: Shape = [null, 4]): OperandInfo => ({ shape, dtype: 'float32', weak: false });
const i = (shape: Shape = [null, 4]): OperandInfo => ({ shape, dtype: 'int32', weak: false });
const num = (value: number): OperandInfo => ({ shape: [], dtype: Number.isInteger(value) ? 'int32' : 'float32', weak: true });

describe('op table', () => {
  it('has one entry per primitive op, each named by its key', () => {
    expect(OP_NAMES).toEqual([
      'add', 'subtract', 'multiply', 'divide', 'maximum', 'minimum', 'pow', 'matmul',
      'relu', 'sigmoid', 'tanh', 'exp', 'log', 'sqrt', 'square', 'abs', 'negative',
      'softmax', 'logSoftmax', 'sum', 'mean', 'max', 'min',
      'reshape', 'transpose', 'concatenate', 'expandDims', 'squeeze', 'cast',
      'zeros', 'ones', 'full', 'take', 'slice', 'stack',
    ]);
    for (const name of OP_NAMES) expect(OPS[name].name).toBe(name);
    // Every op has a function in the `ops` namespace; split and unstack are made of slices / takes.
    expect(Object.keys(ops).sort()).toEqual([...OP_NAMES, 'split', 'unstack'].sort());
  });

  it('looks up own entries only (names can come from a saved file)', () => {
    expect(getOp('add')).toBe(OPS.add);
    expect(getOp('constructor')).toBeUndefined();
    expect(getOp('__proto__')).toBeUndefined();
    expect(getOp('toString')).toBeUndefined();
  });

  it('canonical attributes are stable when normalised again', () => {
    const samples: Array<[OpName, Record<string, unknown>]> = [
      ['add', {}],
      ['softmax', {}],
      ['logSoftmax', { axis: 1 }],
      ['sum', {}],
      ['mean', { axis: [1, -1], keepdims: true }],
      ['max', { axis: 1 }],
      ['reshape', { shape: [null, 2, 2] }],
      ['transpose', {}],
      ['transpose', { perm: [0, 2, 1] }],
      ['concatenate', {}],
      ['expandDims', { axis: -1 }],
      ['squeeze', {}],
      ['cast', { dtype: 'int32' }],
      ['zeros', { shape: [16, 32] }],
      ['ones', { shape: 3, dtype: 'int32' }],
      ['full', { shape: [2, 2], value: 0.5 }],
      ['take', { index: -1, axis: 1 }],
      ['slice', { begin: [0, 2], size: [-1, 3] }],
      ['stack', {}],
    ];
    for (const [name, raw] of samples) {
      const def = getOp(name)!;
      const once = def.attrs(raw);
      expect(def.attrs(once)).toEqual(once);
      expect(JSON.parse(JSON.stringify(once))).toEqual(once);
    }
    expect(getOp('reshape')!.attrs({ shape: [null, 2, 2] })).toEqual({ shape: [-1, 2, 2] });
    expect(getOp('concatenate')!.attrs({})).toEqual({ axis: 0 });
    expect(getOp('sum')!.attrs({})).toEqual({ axis: null, keepdims: false });
    expect(getOp('zeros')!.attrs({ shape: 3 })).toEqual({ shape: [3], dtype: 'float32' });
    expect(getOp('stack')!.attrs({})).toEqual({ axis: 0 });
  });

  it('rejects unknown or malformed attributes, naming the op', () => {
    expect(() => getOp('add')!.attrs({ axis: 1 })).toThrow('ops.add got unexpected attribute(s) "axis"; it takes none.');
    expect(() => getOp('sum')!.attrs({ axes: 1 })).toThrow(/ops\.sum got unexpected attribute\(s\) "axes"; expected some of: axis, keepdims/);
    expect(() => getOp('sum')!.attrs({ axis: 'a' })).toThrow(/ops\.sum: `axis` must be an integer, an array of integers or null; received "a"/);
    expect(() => getOp('sum')!.attrs({ keepdims: 1 })).toThrow(/ops\.sum: `keepdims` must be true or false/);
    expect(() => getOp('softmax')!.attrs({ axis: 1.5 })).toThrow(/ops\.softmax: `axis` must be an integer; received 1.5/);
    expect(() => getOp('cast')!.attrs({ dtype: 'float64' })).toThrow(/ops\.cast: `dtype` must be one of float32, int32; received "float64"/);
    expect(() => getOp('expandDims')!.attrs({})).toThrow(/ops\.expandDims: `axis` must be an integer; received undefined/);
  });
});

describe('broadcasting (add, subtract, multiply, divide, maximum, minimum, pow)', () => {
  it('follows NumPy rules with unknown sizes', () => {
    expect(shapeOf('add', [[null, 3], [3]])).toEqual([null, 3]);
    expect(shapeOf('subtract', [[2, 1, 4], [3, 1]])).toEqual([2, 3, 4]);
    expect(shapeOf('multiply', [[null, 1], [1, 5]])).toEqual([null, 5]);
    expect(shapeOf('divide', [[], [null, 4]])).toEqual([null, 4]);
    expect(shapeOf('maximum', [[null, 4], [null, 4]])).toEqual([null, 4]);
    // An unknown size against 1 stays unknown; against a known size it takes that size.
    expect(shapeOf('minimum', [[null], [1]])).toEqual([null]);
    expect(shapeOf('pow', [[null, null], [1, 7]])).toEqual([null, 7]);
  });

  it('throws a Keras-style ValueError naming the op and both shapes', () => {
    const call = () => shapeOf('add', [[null, 3], [null, 4]]);
    expect(call).toThrow(ValueError);
    expect(call).toThrow(
      'Cannot broadcast shapes in ops.add: the failure dim (axis -1) has value 3, which cannot be broadcast to 4. Input shapes are: (None, 3) and (None, 4). Sizes must be equal or one of them 1.',
    );
    expect(() => shapeOf('multiply', [[2, 3, 4], [5, 4]])).toThrow(
      /ops\.multiply: the failure dim \(axis -2\) has value 3, which cannot be broadcast to 5\. Input shapes are: \(2, 3, 4\) and \(5, 4\)/,
    );
  });

  it('promotes dtypes: float wins, a JS number only widens int when fractional, divide is float', () => {
    expect(dtypeOf('add', [i(), i()])).toBe('int32');
    expect(dtypeOf('add', [i(), f()])).toBe('float32');
    expect(dtypeOf('multiply', [i(), num(2)])).toBe('int32');
    expect(dtypeOf('multiply', [i(), num(2.5)])).toBe('float32');
    expect(dtypeOf('multiply', [f(), num(2)])).toBe('float32');
    expect(dtypeOf('divide', [i(), i()])).toBe('float32');
    expect(dtypeOf('add', [num(1), num(2)])).toBe('int32');
  });
});

describe('matmul', () => {
  it('multiplies matrices, broadcasting batch axes (NumPy rules)', () => {
    expect(shapeOf('matmul', [[null, 4], [4, 2]])).toEqual([null, 2]);
    expect(shapeOf('matmul', [[null, 3, 4], [4, 5]])).toEqual([null, 3, 5]);
    expect(shapeOf('matmul', [[2, 1, 3, 4], [5, 4, 6]])).toEqual([2, 5, 3, 6]);
    expect(shapeOf('matmul', [[null, 3, 4], [null, 4, 5]])).toEqual([null, 3, 5]);
    expect(shapeOf('matmul', [[null, null], [null, 8]])).toEqual([null, 8]);
  });

  it('treats 1-D operands as vectors and drops their axis', () => {
    expect(shapeOf('matmul', [[4], [4, 2]])).toEqual([2]);
    expect(shapeOf('matmul', [[null, 3, 4], [4]])).toEqual([null, 3]);
    expect(shapeOf('matmul', [[4], [4]])).toEqual([]);
  });

  it('checks inner dimensions, batch axes and scalars', () => {
    expect(() => shapeOf('matmul', [[null, 4], [3, 2]])).toThrow(
      'Inner dimensions of ops.matmul (x1.shape[-1] and x2.shape[-2]) must be equal, but received x1.shape=(None, 4) and x2.shape=(3, 2).',
    );
    expect(() => shapeOf('matmul', [[4], [3]])).toThrow(/x1\.shape=\(4,\) and x2\.shape=\(3,\)/);
    expect(() => shapeOf('matmul', [[2, 3, 4], [5, 4, 6]])).toThrow(
      'Cannot broadcast the batch dimensions in ops.matmul: received x1.shape=(2, 3, 4) and x2.shape=(5, 4, 6); the dimensions before the last two must broadcast (equal, or one of them 1).',
    );
    expect(() => shapeOf('matmul', [[], [4, 2]])).toThrow(/ops\.matmul does not accept scalars; received x1\.shape=\(\) and x2\.shape=\(4, 2\)/);
  });
});

describe('reductions (sum, mean, max, min)', () => {
  it('reduce all axes, some axes, or keep them', () => {
    expect(shapeOf('sum', [[null, 3, 4]])).toEqual([]);
    expect(shapeOf('sum', [[null, 3, 4]], { axis: 1 })).toEqual([null, 4]);
    expect(shapeOf('mean', [[null, 3, 4]], { axis: -1, keepdims: true })).toEqual([null, 3, 1]);
    expect(shapeOf('max', [[null, 3, 4]], { axis: [-1, 1] })).toEqual([null]);
    expect(shapeOf('min', [[null, 3, 4]], { axis: null, keepdims: true })).toEqual([1, 1, 1]);
  });

  it('checks axes against the rank', () => {
    expect(() => shapeOf('sum', [[null, 3]], { axis: 2 })).toThrow(
      'ops.sum: axis 2 is out of bounds for a tensor of rank 2 (shape (None, 3)); expected an axis in [-2, 1].',
    );
    expect(() => shapeOf('mean', [[null, 3]], { axis: [1, -1] })).toThrow(/ops\.mean: axis 1 appears more than once in axis=\[1,-1\] \(shape \(None, 3\)\)/);
  });

  it('mean of ints is float; sum, max, min keep the dtype', () => {
    expect(dtypeOf('mean', [i()])).toBe('float32');
    expect(dtypeOf('sum', [i()])).toBe('int32');
    expect(dtypeOf('max', [f()])).toBe('float32');
  });
});

describe('reshape', () => {
  it('infers one -1 (or null) dimension, unknown when the size is unknown', () => {
    expect(shapeOf('reshape', [[null, 4]], { shape: [-1, 2, 2] })).toEqual([null, 2, 2]);
    expect(shapeOf('reshape', [[null, 4]], { shape: [null, 2, 2] })).toEqual([null, 2, 2]);
    expect(shapeOf('reshape', [[2, 6]], { shape: [3, -1] })).toEqual([3, 4]);
    expect(shapeOf('reshape', [[2, 6]], { shape: [4, 3] })).toEqual([4, 3]);
  });

  it('explains what does not fit', () => {
    expect(() => shapeOf('reshape', [[null, 4]], { shape: [-1, -1] })).toThrow(
      'ops.reshape: can only infer one dimension, but the new shape [-1,-1] has more than one -1 (or null).',
    );
    expect(() => shapeOf('reshape', [[2, 3]], { shape: [4, 2] })).toThrow(
      'ops.reshape: cannot reshape a tensor of shape (2, 3) (6 elements) into shape (4, 2) (8 elements).',
    );
    expect(() => shapeOf('reshape', [[2, 5]], { shape: [-1, 3] })).toThrow(
      'ops.reshape: cannot reshape a tensor of shape (2, 5) (10 elements) into shape (None, 3): 10 is not a multiple of 3.',
    );
    expect(() => shapeOf('reshape', [[null, 4]], { shape: [2, 2] })).toThrow(
      /ops\.reshape: cannot reshape a tensor of shape \(None, 4\), whose size is not known until run time, into the fixed shape \(2, 2\)\. Use -1/,
    );
    expect(() => shapeOf('reshape', [[null, 4]], { shape: [-2, 2] })).toThrow(/ops\.reshape: the new shape must be an array of non-negative integers/);
  });
});

describe('transpose, concatenate, expandDims, squeeze, softmax, cast', () => {
  it('transpose reverses by default and checks the permutation', () => {
    expect(shapeOf('transpose', [[null, 3, 4]])).toEqual([4, 3, null]);
    expect(shapeOf('transpose', [[null, 3, 4]], { perm: [0, 2, 1] })).toEqual([null, 4, 3]);
    expect(shapeOf('transpose', [[null, 3, 4]], { perm: [0, -1, 1] })).toEqual([null, 4, 3]);
    expect(() => shapeOf('transpose', [[null, 3, 4]], { perm: [0, 0, 1] })).toThrow(
      'ops.transpose: axes [0,0,1] is not a permutation of the 3 axes of a tensor of shape (None, 3, 4).',
    );
  });

  it('concatenate adds sizes along the axis and checks the others', () => {
    expect(shapeOf('concatenate', [[null, 3], [null, 4]], { axis: -1 })).toEqual([null, 7]);
    expect(shapeOf('concatenate', [[null, 3], [2, 3]])).toEqual([null, 3]);
    expect(shapeOf('concatenate', [[null, null], [null, 4]], { axis: 1 })).toEqual([null, null]);
    expect(() => shapeOf('concatenate', [[null, 3], [null, 4, 2]], { axis: 1 })).toThrow(
      'ops.concatenate: all tensors must have the same shape except along the concatenation axis 1; received shapes (None, 3) and (None, 4, 2) (all inputs: (None, 3), (None, 4, 2)).',
    );
    expect(() => shapeOf('concatenate', [[null, 3], [null, 4]], { axis: 0 })).toThrow(/except along the concatenation axis 0; received shapes \(None, 3\) and \(None, 4\)/);
  });

  it('expandDims and squeeze', () => {
    expect(shapeOf('expandDims', [[null, 3]], { axis: -1 })).toEqual([null, 3, 1]);
    expect(shapeOf('expandDims', [[null, 3]], { axis: 1 })).toEqual([null, 1, 3]);
    expect(() => shapeOf('expandDims', [[null, 3]], { axis: 3 })).toThrow(/ops\.expandDims: axis 3 is out of bounds for a tensor of rank 2/);
    expect(shapeOf('squeeze', [[null, 1, 3, 1]])).toEqual([null, 3]);
    expect(shapeOf('squeeze', [[null, 1, 3, 1]], { axis: -1 })).toEqual([null, 1, 3]);
    expect(() => shapeOf('squeeze', [[null, 3]], { axis: 1 })).toThrow(
      'ops.squeeze: cannot squeeze axis 1 of a tensor of shape (None, 3): its size is 3, not 1.',
    );
    expect(() => shapeOf('squeeze', [[null, 3]], { axis: 0 })).toThrow(/its size is unknown \(None\), not 1/);
  });

  it('softmax keeps the shape and checks its axis; unary float ops make floats', () => {
    expect(shapeOf('softmax', [[null, 10]])).toEqual([null, 10]);
    expect(() => shapeOf('logSoftmax', [[null, 10]], { axis: 2 })).toThrow(/ops\.logSoftmax: axis 2 is out of bounds/);
    expect(dtypeOf('softmax', [i()])).toBe('float32');
    expect(dtypeOf('exp', [i()])).toBe('float32');
    expect(dtypeOf('relu', [i()])).toBe('int32');
    expect(dtypeOf('cast', [f()], { dtype: 'int32' })).toBe('int32');
  });
});

describe('ops outside a custom layer', () => {
  it('explains that ops work inside call()', () => {
    const x = Input({ shape: [4] });
    expect(() => ops.add(x as never, 1)).toThrow(/ops\.add\(\) works inside a custom layer's call\(\).*SymbolicTensor "input_layer\w*"/);
    expect(() => ops.exp(1)).toThrow("ops.exp() can only be used inside the call() method of a custom layer, while the layer is called on a tensor.");
  });
});

describe('constants (zeros, ones, full)', () => {
  it('have the static shape given, the batch axis a number; float32 unless told', () => {
    expect(shapeOf('zeros', [], { shape: [16, 32] })).toEqual([16, 32]);
    expect(shapeOf('ones', [], { shape: [] })).toEqual([]);
    expect(shapeOf('full', [], { shape: [2, 3], value: 7 })).toEqual([2, 3]);
    expect(dtypeOf('zeros', [], { shape: [2] })).toBe('float32');
    expect(dtypeOf('ones', [], { shape: [2], dtype: 'int32' })).toBe('int32');
    expect(dtypeOf('full', [], { shape: [2], value: 3, dtype: 'int32' })).toBe('int32');
  });

  it('refuse a None size, saying how to give the batch axis a size', () => {
    expect(() => shapeOf('zeros', [], { shape: [null, 32] })).toThrow(
      "ops.zeros: a constant needs a fully known shape, but axis 0 of (None, 32) is None (unknown until run time). The batch size of a layer's input is None unless the model's Input sets it: give it one with `batchShape`, e.g. Input({ batchShape: [16, …] }).",
    );
    expect(() => shapeOf('ones', [], { shape: [4, null] })).toThrow(/^ops\.ones: a constant needs a fully known shape, but axis 1 of \(4, None\) is None \(unknown until run time\)\.$/);
    expect(() => shapeOf('zeros', [], { shape: [2, -1] })).toThrow(/ops\.zeros: `shape` must be an array of non-negative integers, e.g\. \[16, 32\]; received \[2,-1\]/);
    expect(() => shapeOf('zeros', [], {})).toThrow(/ops\.zeros: `shape` must be an array of non-negative integers.*received undefined/);
    expect(() => shapeOf('zeros', [], { shape: [2], dtype: 'bool' })).toThrow(/ops\.zeros: `dtype` must be one of float32, int32; received "bool"/);
    expect(() => shapeOf('full', [], { shape: [2] })).toThrow('ops.full: the fill value must be a finite number; received undefined.');
    expect(() => shapeOf('full', [], { shape: [2], value: 0.5, dtype: 'int32' })).toThrow('ops.full: the fill value 0.5 is not an integer, but `dtype` is int32.');
  });
});

describe('take, slice, stack', () => {
  it('take drops the axis (x[:, t, :]), with negative indices from the end', () => {
    expect(shapeOf('take', [[16, 10, 5]], { index: 3, axis: 1 })).toEqual([16, 5]);
    expect(shapeOf('take', [[null, 10, 5]], { index: -1, axis: -2 })).toEqual([null, 5]);
    expect(shapeOf('take', [[null, 10, 5]], { index: -10, axis: 1 })).toEqual([null, 5]);
    // An unknown size cannot be checked: the index is taken as given.
    expect(shapeOf('take', [[null, 5]], { index: 7, axis: 0 })).toEqual([5]);
  });

  it('take checks the index and the axis', () => {
    expect(() => shapeOf('take', [[null, 10, 5]], { index: 10, axis: 1 })).toThrow(
      'ops.take: index 10 is out of range for axis 1 of size 10 (shape (None, 10, 5)); expected an index in [-10, 9].',
    );
    expect(() => shapeOf('take', [[null, 10, 5]], { index: -11, axis: 1 })).toThrow(/index -11 is out of range for axis 1 of size 10/);
    expect(() => shapeOf('take', [[null, 10]], { index: 0, axis: 2 })).toThrow(/ops\.take: axis 2 is out of bounds for a tensor of rank 2/);
    expect(() => shapeOf('take', [[]], { index: 0, axis: 0 })).toThrow('ops.take cannot index a scalar (shape ()).');
    expect(() => shapeOf('take', [[null, 10]], { index: [1, 2], axis: 1 })).toThrow(/ops\.take: `index` must be a single integer.*received \[1,2\]/);
    expect(() => shapeOf('take', [[null, 10]], { index: 1 })).toThrow(/ops\.take: `axis` must be an integer; received undefined/);
  });

  it('slice takes a block; size -1 runs to the end', () => {
    expect(shapeOf('slice', [[null, 10, 5]], { begin: [0, 2, 0], size: [-1, 3, -1] })).toEqual([null, 3, 5]);
    expect(shapeOf('slice', [[8, 10]], { begin: [2, 4], size: [-1, -1] })).toEqual([6, 6]);
    expect(shapeOf('slice', [[8, 10]], { begin: [8, 0], size: [0, 10] })).toEqual([0, 10]);
    expect(shapeOf('slice', [[null, 10]], { begin: [1, 0], size: [4, 10] })).toEqual([4, 10]);
  });

  it('slice explains what does not fit', () => {
    expect(() => shapeOf('slice', [[null, 10]], { begin: [0, 8], size: [-1, 3] })).toThrow(
      'ops.slice: on axis 1 of size 10, begin=8 and size=3 go past the end (shape (None, 10), begin [0,8], size [-1,3]).',
    );
    expect(() => shapeOf('slice', [[null, 10]], { begin: [0], size: [-1] })).toThrow(
      'ops.slice: `begin` and `size` need one entry per axis of the tensor: it has shape (None, 10) (rank 2), but they have 1.',
    );
    expect(() => shapeOf('slice', [[null, 10]], { begin: [0, -1], size: [-1, 1] })).toThrow(/ops\.slice: `begin` must be an array of non-negative integers, one per axis; received \[0,-1\]/);
    expect(() => shapeOf('slice', [[null, 10]], { begin: [0, 0], size: [-1, -2] })).toThrow(/ops\.slice: `size` must be an array of non-negative integers \(or -1/);
    expect(() => shapeOf('slice', [[null, 10]], { begin: [0, 0], size: [-1] })).toThrow(/`begin` \[0,0\] and `size` \[-1\] must have the same length/);
  });

  it('stack joins tensors of one shape along a new axis (default 0)', () => {
    expect(shapeOf('stack', [[16, 32], [16, 32], [16, 32]], { axis: 1 })).toEqual([16, 3, 32]);
    expect(shapeOf('stack', [[null, 4], [2, 4]])).toEqual([2, 2, 4]);
    expect(shapeOf('stack', [[null, 4], [null, 4]], { axis: -1 })).toEqual([null, 4, 2]);
    expect(shapeOf('stack', [[]])).toEqual([1]);
    expect(() => shapeOf('stack', [[null, 4], [null, 5]], { axis: 1 })).toThrow(
      'ops.stack: all tensors must have the same shape; received shapes (None, 4) and (None, 5) (all inputs: (None, 4), (None, 5)).',
    );
    expect(() => shapeOf('stack', [[null, 4], [null, 4]], { axis: 3 })).toThrow(/ops\.stack: axis 3 is out of bounds for a tensor of rank 2 \(shape \(None, 4\)\); expected an axis in \[-3, 2\]/);
    expect(dtypeOf('stack', [i(), i()])).toBe('int32');
  });
});

/** Runs `body` as the call() of a throwaway custom layer on an input of `shape`; returns what it returned. */
function inCall<T>(shape: Shape, body: (x: TracedTensor) => T): T {
  let result: T | undefined;
  class Probe extends Layer {
    override call(x: TracedTensor) {
      result = body(x);
      return x;
    }
  }
  new Probe()(Input({ batchShape: shape }));
  return result!;
}

describe('the ops functions of the new ops', () => {
  it('zeros, ones, full, take, slice and stack record one op each', () => {
    const shapes = inCall([16, 10, 5], (x) => {
      const state = ops.zeros([x.shape[0]!, 32]);
      const steps = [0, 1, 2].map((t) => ops.take(x, t, 1));
      return [state, ops.ones(4, 'int32'), ops.full([2, 2], 0.5), ops.stack(steps, 1), ops.slice(x, [0, 5, 0], [-1, -1, 2])].map(
        (t) => `${JSON.stringify(t.shape)} ${t.dtype}`,
      );
    });
    expect(shapes).toEqual(['[16,32] float32', '[4] int32', '[2,2] float32', '[16,3,5] float32', '[16,5,2] float32']);
  });

  it('split gives equal slices and unstack one take per index, along an axis of known size', () => {
    const out = inCall([null, 6, 4], (x) => ({
      split: ops.split(x, 3, 1).map((t) => t.shape),
      last: ops.split(x, 2, -1).map((t) => t.shape),
      unstack: ops.unstack(x, 1).map((t) => t.shape),
    }));
    expect(out.split).toEqual([[null, 2, 4], [null, 2, 4], [null, 2, 4]]);
    expect(out.last).toEqual([[null, 6, 2], [null, 6, 2]]);
    expect(out.unstack).toHaveLength(6);
    expect(out.unstack[0]).toEqual([null, 4]);
    expect(() => inCall([null, 6, 4], (x) => ops.split(x, 4, 1))).toThrow(/ops\.split: axis 1 has size 6, which cannot be split into 4 equal sections\./);
    expect(() => inCall([null, 6, 4], (x) => ops.split(x, 2, 0))).toThrow(/ops\.split: axis 0 of shape \(None, 6, 4\) has an unknown size \(None\), so the number of pieces is not known\./);
    expect(() => inCall([null, 6, 4], (x) => ops.unstack(x, 3))).toThrow(/ops\.unstack: axis 3 is out of bounds for a tensor of rank 3/);
    expect(() => inCall([null, 6, 4], (x) => ops.split(x, 0, 1))).toThrow(/ops\.split: the number of sections must be a positive integer; received 0/);
  });

  it('a constant with the batch axis None fails inside the layer, with the remedy', () => {
    expect(() => inCall([null, 10, 5], (x) => ops.zeros([x.shape[0] as number, 32]))).toThrow(
      /^Exception encountered when calling layer "probe\w*" \(Probe\): ops\.zeros: a constant needs a fully known shape, but axis 0 of \(None, 32\) is None.*Input\(\{ batchShape: \[16, …\] \}\)\.$/,
    );
  });
});

describe('the ops namespace', () => {
  it('names a missing op and lists the ops, instead of "not a function"', () => {
    const any = ops as unknown as Record<string, unknown>;
    expect(() => any.foo).toThrow(TypeError_);
    expect(() => any.foo).toThrow(/^ops\.foo is not an op; available: add, subtract, multiply, .*, stack, split, unstack\.$/);
    expect(() => any.zero).toThrow(/^ops\.zero is not an op; available: .*\. Did you mean ops\.zeros\?$/);
    expect(() => any.expand_dims).toThrow(/Did you mean ops\.expandDims\?$/);
    // Probes by tooling and the object's own methods still answer.
    expect(any.then).toBeUndefined();
    expect(any[Symbol.iterator as unknown as string]).toBeUndefined();
    expect(typeof any.hasOwnProperty).toBe('function');
    expect(Object.isFrozen(ops)).toBe(true);
  });
});
