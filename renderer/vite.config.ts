import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

/** The `strata serve` that `npm run dev` talks to (its default port unless STRATA_SERVE_PORT says otherwise). */
const servePort = process.env.STRATA_SERVE_PORT ?? '7077';

// The studio's window. Built into the repository's dist/renderer, which Electron loads from
// disk and `strata serve` serves over HTTP, so every URL in the bundle is relative.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [vue()],
  build: {
    // Relative to root: the repository's dist/renderer.
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // Monaco and its TypeScript worker are large by nature; a warning about them says nothing new.
    chunkSizeWarningLimit: 8000,
  },
  worker: { format: 'es' },
  server: {
    host: '127.0.0.1',
    // The dev server hands the IPC socket to a running `strata serve`, which accepts only pages
    // it served itself: the proxied request carries that server's own origin.
    proxy: {
      '/ipc': {
        target: `ws://127.0.0.1:${servePort}`,
        ws: true,
        changeOrigin: true,
        headers: { origin: `http://127.0.0.1:${servePort}` },
      },
    },
  },
});
