// Electron's entry (package.json "main"): the main process runs our TypeScript through tsx,
// as the `strata` command does, so the host finds its files relative to the source tree.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./main.ts', import.meta.url).href);
