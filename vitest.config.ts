import { defineConfig } from 'vitest/config';

// Fast tests run on every change (`npm run test:fast`); slow ones (`*.slow.test.ts`:
// whole-dataset training, end-to-end) run with them in `npm test` and CI.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: ['test/**/*.slow.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'slow', include: ['test/**/*.slow.test.ts'], testTimeout: 600_000 },
      },
    ],
    testTimeout: 30_000,
  },
});
