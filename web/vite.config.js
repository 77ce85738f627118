// Vite builds the app into dist/, which the server embeds at build time.
// JSX is compiled by Vite's own transformer (oxc) for Preact's automatic runtime.
import { defineConfig } from 'vite';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2022',
    // every browser we support has <link rel=modulepreload>
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        // The first load takes Preact and the app's shared modules as two files instead of a
        // dozen small shared chunks; pages other than board, home and login, the message
        // catalogs and ECharts stay separate files loaded when needed.
        codeSplitting: {
          groups: [
            { name: 'preact', test: /[\\/]node_modules[\\/]preact[\\/]/ },
            { name: 'app', test: /[\\/]src[\\/](?!main\.jsx|pages[\\/](?!Board|Home|Login)|charts[\\/]|i18n[\\/][\w-]+\.json)/ },
          ],
        },
      },
    },
  },
  server: {
    // `npm run dev` proxies the API to a local `cylinder serve`
    proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' },
  },
});
