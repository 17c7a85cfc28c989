// Bundles the discovery page's script with esbuild into dist/ (the service serves it as /static/discovery/).
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
await build({
  entryPoints: ['src/discovery.js'],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['es2020'],
  outfile: 'dist/discovery.js',
  legalComments: 'linked',
  logLevel: 'warning',
});
console.log('discovery page: dist/ built');
