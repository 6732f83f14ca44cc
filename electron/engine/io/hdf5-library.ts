/**
 * One h5wasm instance, made safe to point at a file nobody vouches for. h5wasm's Node build
 * works on the real file system, and an HDF5 file can point at other files (external links,
 * external raw storage, virtual datasets): the instance may open the one file it is allowed
 * and nothing else, so a file can never read another. HDF5 prints its error stacks on stderr;
 * they are kept instead, for the error message. Loaded both in the main thread and in the
 * probe thread (hdf5-probe-worker.ts), so it imports nothing but h5wasm's types.
 */
import type * as H5 from 'h5wasm/node';

export type Library = typeof H5;
type Stream = Parameters<NonNullable<Library['FS']>['close']>[0];
/** Emscripten's file system, with the parts its typings leave out. */
type FileSystem = NonNullable<Library['FS']> & {
  getStream(fd: number): Stream;
  createStream(stream: object, fd: number): Stream;
  ErrnoError: new (errno: number) => Error;
};

export interface Hdf5Library {
  h5: Library;
  /** Runs `use` while `path` is the one file the library may open. */
  withFile<T>(path: string, use: () => T): T;
  /** What HDF5 found wrong first during the last `withFile`: the innermost entry of its error stack. */
  diagnosis(): string | null;
}

/** Emscripten's EACCES. */
const EACCES = 2;
const STDERR = 2;
/** Enough of stderr to hold the end of an error stack. */
const STDERR_KEPT = 65536;

let loaded = 0;

/** Loads a fresh instance of h5wasm (`url`: where 'h5wasm/node' resolves). */
export async function loadLibrary(url: string): Promise<Hdf5Library> {
  // Imported under a URL of its own, the module is evaluated again: a new WebAssembly instance.
  const h5 = (await import(`${url}?instance=${loaded++}`)) as Library;
  await h5.ready;
  const fs = h5.FS as FileSystem;
  let allowed: string | null = null;
  let stderr = '';

  const open = fs.open;
  fs.open = (path, ...rest) => {
    if (path !== allowed) throw new fs.ErrnoError(EACCES);
    return open(path, ...rest);
  };

  const decoder = new TextDecoder();
  const write = (_stream: unknown, buffer: Int8Array, offset: number, length: number) => {
    stderr = (stderr + decoder.decode(new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length))).slice(-STDERR_KEPT);
    return length;
  };
  fs.close(fs.getStream(STDERR));
  fs.createStream({ node: { mode: 0o20666 }, flags: 1, position: 0, seekable: false, stream_ops: { write } }, STDERR);

  return {
    h5,
    withFile(path, use) {
      allowed = path;
      stderr = '';
      try {
        return use();
      } finally {
        allowed = null;
      }
    },
    diagnosis() {
      // The first stack is the first failure (later ones follow from it); it runs from the API
      // call down to the function that found the problem.
      const first = stderr.split(/^HDF5-DIAG: /m).find((stack) => stack.trim() !== '') ?? '';
      const entries = [...first.matchAll(/#\d+: .* in \S+\(\): (.+)$/gm)];
      return entries.length > 0 ? entries[entries.length - 1]![1]!.trim() : null;
    },
  };
}
