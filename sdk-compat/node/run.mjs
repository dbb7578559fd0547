// Drives the official Unleash Node SDK (unleash-client) against a running server.
//
//   node run.mjs spec URL SPEC_FILE OUT_FILE
//     Polls URL (the server's `/api` base), evaluates every `tests` case with isEnabled and
//     every `variantTests` case with getVariant, writes the results as JSON to OUT_FILE,
//     then shuts down with destroyWithFlush (which sends the last metrics).
//
//   node run.mjs spec-delta URL SPEC_FILE OUT_FILE
//     The same, polling the delta endpoint (experimentalMode polling/delta).
//
//   node run.mjs spec-stream URL SPEC_FILE OUT_FILE
//     The same, with the flags from the streaming endpoint (experimentalMode streaming).
//
//   node run.mjs watch URL FLAG
//     Streams from URL, prints `ready <true|false>` once the flag is known, then one
//     `changed <true|false>` line each time its value changes. Stops when stdin closes.
//
//   node run.mjs watch-polling URL FLAG
//     The same, polling every second; also prints `unchanged` for each 304 answer.
//
// The backend token comes from the environment variable UNLEASH_TOKEN, never from argv.
// Flags are kept in memory (InMemStorageProvider): a run writes no backup file.
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { InMemStorageProvider, Unleash } from 'unleash-client';

const APP_NAME = 'sdk-compat-node';
const READY_TIMEOUT_MS = 10_000;

const MODES = {
  polling: undefined,
  delta: { type: 'polling', format: 'delta' },
  streaming: { type: 'streaming' },
};

function makeClient(url, mode) {
  const appName = mode === 'polling' ? APP_NAME : `${APP_NAME}-${mode}`;
  const client = new Unleash({
    url,
    appName,
    instanceId: `${appName}-${process.pid}`,
    refreshInterval: 1000,
    metricsInterval: 1000,
    metricsJitter: 0,
    customHeaders: { Authorization: process.env.UNLEASH_TOKEN },
    storageProvider: new InMemStorageProvider(),
    skipInstanceCountWarning: true,
    experimentalMode: MODES[mode],
  });
  client.on('error', (err) => console.error('unleash-client error:', err?.message ?? err));
  client.on('warn', (msg) => console.error('unleash-client warning:', msg));
  return client;
}

async function synchronized(client) {
  const timeout = AbortSignal.timeout(READY_TIMEOUT_MS);
  await once(client, 'synchronized', { signal: timeout });
}

async function runSpec(mode, url, specFile, outFile) {
  const spec = JSON.parse(readFileSync(specFile, 'utf8'));
  const started = performance.now();
  const client = makeClient(url, mode);
  // Registration runs beside the first fetch; a short-lived process waits for it.
  const registered = once(client, 'registered', { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
  await synchronized(client);
  const readyMs = performance.now() - started;
  const tests = (spec.tests ?? []).map((c) => ({
    description: c.description,
    toggleName: c.toggleName,
    result: client.isEnabled(c.toggleName, c.context),
  }));
  const variantTests = (spec.variantTests ?? []).map((c) => {
    const v = client.getVariant(c.toggleName, c.context);
    return {
      description: c.description,
      toggleName: c.toggleName,
      result: {
        name: v.name,
        enabled: v.enabled,
        feature_enabled: v.feature_enabled,
        payload: v.payload ?? null,
      },
    };
  });
  await registered;
  await client.destroyWithFlush();
  writeFileSync(outFile, JSON.stringify({ sdk: `node ${mode}`, readyMs, tests, variantTests }));
}

async function runWatch(url, flag, mode) {
  const client = makeClient(url, mode);
  client.on('unchanged', () => console.log('unchanged'));
  const timeout = AbortSignal.timeout(READY_TIMEOUT_MS);
  while (!client.getFeatureToggleDefinition(flag)) {
    if (timeout.aborted) throw new Error(`timed out waiting for flag ${flag}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  let last = client.isEnabled(flag);
  console.log(`ready ${last}`);
  let closed = false;
  process.stdin.on('end', () => {
    closed = true;
  });
  process.stdin.resume();
  const deadline = Date.now() + 60_000;
  while (!closed && Date.now() < deadline) {
    const now = client.isEnabled(flag);
    if (now !== last) {
      last = now;
      console.log(`changed ${now}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  client.destroy();
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'spec' && args.length === 3) {
  await runSpec('polling', ...args);
} else if (mode === 'spec-delta' && args.length === 3) {
  await runSpec('delta', ...args);
} else if (mode === 'spec-stream' && args.length === 3) {
  await runSpec('streaming', ...args);
} else if (mode === 'watch' && args.length === 2) {
  await runWatch(...args, 'streaming');
} else if (mode === 'watch-polling' && args.length === 2) {
  await runWatch(...args, 'polling');
} else {
  console.error('usage: node run.mjs spec|spec-delta|spec-stream URL SPEC_FILE OUT_FILE | watch|watch-polling URL FLAG');
  process.exit(2);
}
process.exit(0);
