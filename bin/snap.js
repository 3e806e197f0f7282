#!/usr/bin/env node
// Entry point installed as `snap`: runs the compiled CLI (built by `npm run build`, which `npm ci` runs via `prepare`).

// snap pins AWS SDK releases that support Node 20; the SDK's notice about future releases
// needing Node 22 is not actionable for a snap user, so it is not printed on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
