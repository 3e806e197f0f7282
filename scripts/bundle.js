// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/ with esbuild, as the last step
// of `npm run build`. Why: started from the separate files, snap spent ~0.5 s before doing
// anything (Node resolving, reading and compiling several hundred modules: snap's own, the
// AWS SDK's, zod's, isomorphic-git's); from one bundle `snap --version` takes about half the
// time (0.66 s -> 0.36 s), and every command gains the same. Collectors stay in chunks of
// their own, loaded when enabled (code splitting), so a command that needs no AWS SDK client
// loads none.
//
// The bundle is not minified, so stack traces stay readable. CommonJS dependencies get a real
// `require` (made from the bundle's own URL) for the Node built-ins they load.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'dist', 'cli', 'main.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: { js: "import { createRequire as snapCreateRequire } from 'node:module'; const require = snapCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
