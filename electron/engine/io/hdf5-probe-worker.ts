/**
 * The probe thread (see hdf5-probe.ts): reads everything of an HDF5 file that a reader could
 * ask for (every group, every attribute, every dataset and the values of those not stored as
 * plain numbers), so that a file on which HDF5 loops forever or aborts is found here, where the
 * thread can be stopped, and never in the main thread. Answers on `port`, then wakes the waiting main
 * thread through `signal`.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { loadLibrary, type Hdf5Library, type Library } from './hdf5-library.js';

export interface ProbeRequest {
  path: string;
}

export type ProbeAnswer = { ok: true; memory: number } | { ok: false; reason: string; aborted: boolean; memory: number };

export interface ProbeData {
  library: string;
  port: MessagePort;
  signal: Int32Array;
  /** A dataset of more values than this is refused before reading, so it is not read here either. */
  maxValues: number;
}

/** Deeper than any model file nests its groups; a file whose groups link back to their parents never ends. */
const MAX_DEPTH = 64;
/** HDF5's type classes of plain numbers. */
const INTEGER = 0;
const FLOAT = 1;

const { library, port, signal, maxValues } = workerData as ProbeData;
let hdf5: Hdf5Library | null = null;
let unavailable = '';
// The WebAssembly runtime prints its aborts and warnings on the console it finds when it loads;
// what they say reaches the caller in the answer, so the thread's console stays silent.
console.error = console.warn = () => undefined;
try {
  hdf5 = await loadLibrary(library);
} catch (e) {
  unavailable = `the HDF5 library did not start: ${(e as Error).message}`;
}

type Entry = { attrs: Record<string, { value: unknown }> };

class TooDeep extends Error {}

/**
 * Runs `read` for what it makes HDF5 do. An ordinary error is the reader's to report when it
 * reads the same (a type h5wasm cannot convert, a damaged part it may never need); only what
 * the main thread could not survive stops the probe.
 */
function tryRead(read: () => void): void {
  try {
    read();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError || e instanceof TooDeep) throw e;
  }
}

/**
 * Whether reading the dataset is one plain copy of numbers from where its layout says, which
 * cannot loop (opening it, done here, parsed that layout): contiguous numbers are the weights of
 * every model file, and reading them twice would only cost time. Anything else (chunks, filters,
 * variable-length or compound types, virtual sources) is read here first.
 */
function plainNumbers(dataset: InstanceType<Library['Dataset']>): boolean {
  const { chunks, vlen, type, virtual_sources } = dataset.metadata as typeof dataset.metadata & { virtual_sources?: unknown };
  return chunks === null && !vlen && virtual_sources === undefined && (type === INTEGER || type === FLOAT);
}

function readAttributes(entry: Entry): void {
  for (const name of Object.keys(entry.attrs)) tryRead(() => void entry.attrs[name]!.value);
}

function visit(lib: Hdf5Library, group: InstanceType<Library['Group']>, depth: number): void {
  if (depth > MAX_DEPTH) throw new TooDeep(`its groups nest deeper than ${MAX_DEPTH} levels (a group links back to one that holds it?)`);
  tryRead(() => readAttributes(group));
  tryRead(() => {
    for (const key of group.keys()) {
      tryRead(() => {
        const child = group.get(key);
        if (child instanceof lib.h5.Group) visit(lib, child, depth + 1);
        else if (child instanceof lib.h5.Dataset) {
          readAttributes(child);
          const values = (child.shape ?? []).reduce((n, d) => n * d, 1);
          if (values <= maxValues && !plainNumbers(child)) void child.value;
        }
      });
    }
  });
}

function probe(lib: Hdf5Library, path: string): ProbeAnswer {
  const memory = () => lib.h5.Module.HEAPU8.length;
  try {
    lib.withFile(path, () => {
      const file = new lib.h5.File(path, 'r');
      // A file HDF5 cannot open is the reader's to report, in HDF5's words.
      if (file.file_id < 0n) return;
      try {
        visit(lib, file, 0);
      } finally {
        tryRead(() => file.close());
      }
    });
    return { ok: true, memory: memory() };
  } catch (e) {
    const reason = e instanceof TooDeep ? e.message : (lib.diagnosis() ?? (e as Error).message);
    return { ok: false, reason, aborted: e instanceof WebAssembly.RuntimeError, memory: memory() };
  }
}

port.on('message', ({ path }: ProbeRequest) => {
  port.postMessage(hdf5 ? probe(hdf5, path) : { ok: false, reason: unavailable, aborted: true, memory: 0 });
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
