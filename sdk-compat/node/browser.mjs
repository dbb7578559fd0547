// Drives the official browser SDK (unleash-proxy-client) against a running server's
// frontend API, in Node (global fetch, InMemoryStorageProvider instead of localStorage).
//
//   node browser.mjs spec URL SPEC_FILE OUT_FILE
//     URL is the server's `/api/frontend`. For every `tests` case the SDK's context is set
//     with updateContext (which fetches the flags evaluated by the server for it), then
//     read with isEnabled; every `variantTests` case is read with getVariant. The results
//     are written as JSON to OUT_FILE, the metrics are sent, and the client stops.
//
//   node browser.mjs spec-post URL SPEC_FILE OUT_FILE
//     The same with usePOSTrequests (the context goes in a POST body).
//
// Each updateContext fetches the flags for the new context, so the refresh timer is off.
// The frontend token comes from the environment variable UNLEASH_FRONTEND_TOKEN.
// appName and environment are static in this SDK, so cases are grouped by them and each
// group gets its own client.
import { readFileSync, writeFileSync } from 'node:fs';
import { EVENTS, InMemoryStorageProvider, UnleashClient } from 'unleash-proxy-client';

const APP_NAME = 'sdk-compat-browser';

// The SDK's metrics timer sends without anyone awaiting it, and the process exits right
// after the run: every request the SDK starts is tracked so the driver can wait for the
// ones still in flight (a metrics batch cut off by the exit would be lost).
const inFlight = new Set();
function trackedFetch(...args) {
  const request = fetch(...args);
  inFlight.add(request);
  const forget = () => inFlight.delete(request);
  request.then(forget, forget);
  return request;
}

function mutableContext(context) {
  // A browser SDK invents a session id when it has none; the specification's contexts
  // mean exactly what they say, so an absent session id is sent as absent.
  const { appName: _a, environment: _e, ...rest } = context;
  return { sessionId: undefined, ...rest };
}

async function runSpec(post, url, specFile, outFile) {
  const spec = JSON.parse(readFileSync(specFile, 'utf8'));
  const cases = [
    ...(spec.tests ?? []).map((c, i) => ({ kind: 'tests', i, c })),
    ...(spec.variantTests ?? []).map((c, i) => ({ kind: 'variantTests', i, c })),
  ];
  const groups = new Map();
  for (const entry of cases) {
    const app = entry.c.context.appName ?? (post ? `${APP_NAME}-post` : APP_NAME);
    const key = JSON.stringify([app, entry.c.context.environment ?? null]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(entry);
  }
  const out = { sdk: post ? 'browser POST' : 'browser', readyMs: 0, tests: [], variantTests: [] };
  for (const [key, entries] of groups) {
    const [appName, environment] = JSON.parse(key);
    const started = performance.now();
    const client = new UnleashClient({
      url,
      clientKey: process.env.UNLEASH_FRONTEND_TOKEN,
      appName,
      ...(environment === null ? {} : { environment }),
      // No refresh timer: its fetch aborts the one updateContext awaits, and updateContext
      // then resolves before the new context's flags have arrived (an SDK race that makes
      // isEnabled read the previous context's flags).
      disableRefresh: true,
      metricsInterval: 1,
      metricsIntervalInitial: 0,
      storageProvider: new InMemoryStorageProvider(),
      usePOSTrequests: post,
      fetch: trackedFetch,
      context: mutableContext(entries[0].c.context),
    });
    const errors = [];
    client.on(EVENTS.ERROR, (e) => errors.push(e));
    await client.start();
    if (!client.isReady()) {
      throw new Error(`proxy-client not ready: ${JSON.stringify(errors)}`);
    }
    out.readyMs = Math.max(out.readyMs, performance.now() - started);
    for (const { kind, i, c } of entries) {
      await client.updateContext(mutableContext(c.context));
      let result;
      if (kind === 'tests') {
        result = client.isEnabled(c.toggleName);
      } else {
        const v = client.getVariant(c.toggleName);
        result = {
          name: v.name,
          enabled: v.enabled,
          feature_enabled: v.feature_enabled,
          payload: v.payload ?? null,
        };
      }
      out[kind][i] = { description: c.description, toggleName: c.toggleName, result };
    }
    client.stop();
    await client.sendMetrics();
    await Promise.allSettled([...inFlight]);
    if (errors.length > 0) {
      throw new Error(`proxy-client reported errors: ${JSON.stringify(errors)}`);
    }
  }
  writeFileSync(outFile, JSON.stringify(out));
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'spec' && args.length === 3) {
  await runSpec(false, ...args);
} else if (mode === 'spec-post' && args.length === 3) {
  await runSpec(true, ...args);
} else {
  console.error('usage: node browser.mjs spec|spec-post URL SPEC_FILE OUT_FILE');
  process.exit(2);
}
process.exit(0);
