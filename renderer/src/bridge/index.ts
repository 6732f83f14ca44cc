export { connectStrata, ipcUrl } from './connect.js';
export { createWsBridge, type BridgeSocket } from './ws-bridge.js';
