/**
 * The web client's build: a single-page app rooted here (index.html, src/),
 * built into web-client/dist, which the API process serves at /
 * (api/installWebClient.ts). `npm start` builds it first when the sources
 * changed (web-client/build.ts); `npm run web:dev` serves it with hot reload
 * against a running platform on :4000.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      output: {
        // The chart libraries change less often than the app: their own chunks stay cached across app releases.
        manualChunks: { react: ['react', 'react-dom', 'react-dom/client', 'urql', 'graphql-ws'], charts: ['uplot', 'lightweight-charts'] },
      },
    },
  },
  server: {
    proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true } },
  },
});
