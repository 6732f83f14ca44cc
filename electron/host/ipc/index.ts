/** The host's IPC handler table, for the Electron adapter and `strata serve`. */
export { createHost, ERROR_CODES, type Host, type HostOptions } from './host.js';
