#!/usr/bin/env node
// Entry point installed as `snap`: runs the bundled CLI, dist/bundle/main.js (built by
// `npm run build`, which `npm ci` runs via `prepare`; see scripts/bundle.js for why a bundle).

// snap pins AWS SDK releases that support Node 20; the SDK's notice about future releases
// needing Node 22 is not actionable for a snap user, so it is not printed on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { run } = await import('../dist/bundle/main.js');
await run(process.argv.slice(2));
