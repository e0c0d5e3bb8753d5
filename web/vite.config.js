// Builds the web application into the Python package (src/balise/web/static), which
// `balise serve` mounts at `/`. Everything the page needs ships in that folder: no CDN,
// tiles, fonts or scripts are fetched at run time.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../src/balise/web/static', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      // the workstation, and the API docs page that `balise serve` answers at /api/v1/docs
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        'api-docs': fileURLToPath(new URL('api-docs.html', import.meta.url)),
      },
      // the MapLibre worker is an ES module: name it .js so every server sends a JavaScript type
      output: { assetFileNames: (asset) => (asset.names?.[0] ?? '').endsWith('.mjs') ? 'assets/[name]-[hash].js' : 'assets/[name]-[hash][extname]' },
    },
  },
  // `npm run dev` serves the sources with the API of a running `balise serve`.
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
});
