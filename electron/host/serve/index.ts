/** `strata serve`: the host and the built renderer on 127.0.0.1. */
export { RendererNotBuiltError, startServer, type RunningServer, type ServeOptions } from './server.js';
