/** The typed IPC contract between the studio's window and the host. */
export * from './contract.js';
export * from './schemas.js';
export * from './training-schemas.js';
export * from './validate.js';
export * from './wire-codec.js';
