// Starts the service: `npm start`.
import { buildApp } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import { loadConfig } from './config.ts';
import { closeDatabase } from './db/database.ts';
import { DatabaseUnreachableError } from './db/dialects/postgres.ts';
import { listenMetrics, type MetricsListener } from './http/metrics.ts';

let started: Awaited<ReturnType<typeof bootstrap>>;
const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
})();
try {
  started = await bootstrap(config);
} catch (error) {
  // One clear line (host, port, database, the driver's reason), never a stack trace.
  if (error instanceof DatabaseUnreachableError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
const { db, seeded, adminToken } = started;
const app = await buildApp({ config, db });

if (seeded) app.log.info({ seeded }, 'loaded fixtures/ into the new database');
if (adminToken) {
  // Shown once: only its hash is stored.
  console.log(`\nFirst start: an admin API token was created. It is shown only now:\n\n  ${adminToken}\n`);
}

let closing = false;
let metrics: MetricsListener | null = null;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  await metrics?.close();
  await app.close();
  await closeDatabase(db);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ port: config.PORT, host: config.HOST });
// GET /metrics on an address of its own, without a token (and then not on the main port).
if (config.CMS_METRICS_ADDRESS) {
  metrics = await listenMetrics(app, config.CMS_METRICS_ADDRESS);
  app.log.info({ address: metrics.address }, 'metrics listening');
}
