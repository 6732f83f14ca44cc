#!/usr/bin/env node
// The `strata` command: runs electron/cli/main.ts through tsx (TypeScript straight from the
// source tree, no build step) and exits with the code main() returns.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../electron/cli/main.ts', import.meta.url).href);

// A closed pipe (`strata summary model.ts | head`) ends the output, not the program with a stack.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await main(process.argv.slice(2));
// Exit once the output is flushed, even if something in the model evaluation keeps a handle open.
const flush = (stream) => new Promise((done) => (stream.writableLength === 0 ? done() : stream.write('', done)));
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);
