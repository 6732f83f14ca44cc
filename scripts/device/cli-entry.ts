// The entry of the device bundle's strata.mjs: bin/strata.mjs without tsx (esbuild has already
// turned the TypeScript into JavaScript).
import { main } from '../../electron/cli/main.js';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await main(process.argv.slice(2));
const flush = (stream: NodeJS.WriteStream) =>
  new Promise<void>((done) => (stream.writableLength === 0 ? done() : stream.write('', () => done())));
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);
