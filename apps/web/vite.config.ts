import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

/** Where `npm run dev -w @mpi/web` forwards API and socket traffic (the server of `npm run dev`). */
const DEV_SERVER = process.env.MPI_DEV_SERVER ?? 'http://localhost:4000';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // Workspace packages resolve to their TypeScript sources (their "source" export), so the app never
    // needs their dist builds; the defaults (module, browser, development|production) stay.
    conditions: ['source', ...defaultClientConditions],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    // Same origin in development too: the app's default server URL is window.location.origin.
    proxy: {
      '/api': DEV_SERVER,
      '/socket.io': { target: DEV_SERVER, ws: true },
    },
  },
});
