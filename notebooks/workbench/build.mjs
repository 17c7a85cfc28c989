// Bundles the workbench with esbuild into dist/ (served as Zeppelin's web root by infra/zeppelin-home).
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
await build({
  entryPoints: ['src/main.js'],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['es2020'],
  outfile: 'dist/app.js',
  legalComments: 'linked',
  logLevel: 'warning',
});
cpSync('static', 'dist', { recursive: true });
cpSync('src/i18n', 'dist/i18n', { recursive: true });
console.log('workbench: dist/ built');
