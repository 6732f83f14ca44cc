import { describe, expect, it } from 'vitest';
import { OPS, OP_NAMES, getOp, ops, type OpName, type OperandInfo } from '../../../electron/engine/ops/index.js';
import { Input, ValueError } from '../../../electron/engine/graph/index.js';
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
    ]);
    for (const name of OP_NAMES) expect(OPS[name].name).toBe(name);
    // Every op has a function in the `ops` namespace.
    expect(Object.keys(ops).sort()).toEqual([...OP_NAMES].sort());
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
