/** `strata serve`: the studio in a browser tab — the host on 127.0.0.1 over WebSocket, serving the built window. */
import { defaultProjectsDir, defaultUserDataDir, rendererDir } from '../../host/paths.js';
import type { CommandSpec } from '../command.js';
import { CliError, EXIT_OK, UsageError } from '../errors.js';
import { projectFolder } from './runs.js';

const DEFAULT_PORT = 7077;

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'open the studio in a browser: serves it on 127.0.0.1 until stopped',
  description:
    'Runs the host of the desktop app on 127.0.0.1 (only this machine can connect) and serves the studio\'s window, built by "npm run build:renderer", to a browser tab. Prints the address to open, then serves until Ctrl+C. Projects are read and written on this machine; only pages served here may connect to the host.',
  arguments: [],
  options: [
    { name: 'port', type: 'string', value: 'N', description: `the port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)` },
    { name: 'project', type: 'string', value: 'DIR', description: 'a project folder to open when the window loads' },
  ],
  examples: ['strata serve', 'strata serve --port 8080 --project ~/Strata/mnist'],
  async run({ options, io }) {
    const port = parsePort(options.port);
    const project = options.project === undefined ? null : projectFolder(options.project, 'serve');
    // Loaded here, not at the top: the other commands need none of the studio's host.
    const { createHost } = await import('../../host/ipc/index.js');
    const { RendererNotBuiltError, startServer } = await import('../../host/serve/index.js');
    const host = createHost({ mode: 'serve', userDataDir: defaultUserDataDir(), projectsDir: defaultProjectsDir(), startupProject: project });
    let server;
    try {
      server = await startServer({ host, port, rendererDir: rendererDir() });
    } catch (error) {
      if (error instanceof RendererNotBuiltError) throw new CliError(error.message, { cause: error });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new CliError(`Port ${port} is in use on 127.0.0.1; pick another with --port N (0 picks a free one).`, { cause: error });
      throw error;
    }
    io.stdout(`Strata is serving at ${server.url}\n`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    await host.shutdown();
    return EXIT_OK;
  },
};

function parsePort(value: string | boolean | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const port = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535; received "${String(value)}".`, 'serve');
  }
  return port;
}
