import { defineConfig } from 'vitest/config';

// The UI is loaded by the Tauri webview from `dist/` (and later served by `coffer serve`),
// so every asset URL must be relative.
export default defineConfig({
  base: './',
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK / WKWebView / WebView2 baselines supported by Tauri 2.
    target: ['es2021', 'chrome105', 'safari15'],
    sourcemap: false,
  },
  test: {
    setupFiles: ['./src/testing/locale.ts'],
    // The stylesheet as text for src/colours.test.ts (vitest blanks CSS by default).
    css: { include: [/style\.css/] },
  },
});
