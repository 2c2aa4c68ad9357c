// Builds the studio UI into renderer/dist with relative asset paths, so `crucible studio` and the desktop app can
// serve it from any folder. `CRUCIBLE_ENGINE_URL` points the dev server's /api proxy at a running engine.
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const rendererRoot = import.meta.dirname;
const engineUrl = process.env.CRUCIBLE_ENGINE_URL;

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [react()],
  build: {
    outDir: path.join(rendererRoot, 'dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // The template gallery imports examples/*.crucible.json from outside the renderer folder.
    fs: { allow: [path.resolve(rendererRoot, '..')] },
    proxy: engineUrl ? { '/api': { target: engineUrl, changeOrigin: true } } : undefined,
  },
});
