// Starts the service: `npm start`.
import { buildApp } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import { loadConfig } from './config.ts';
import { closeDatabase } from './db/client.ts';

const config = loadConfig();
const { db, seeded, adminToken } = await bootstrap(config);
const app = await buildApp({ config, db });

if (seeded) app.log.info({ seeded }, 'loaded fixtures/ into the new database');
if (adminToken) {
  // Shown once: only its hash is stored.
  console.log(`\nFirst start: an admin API token was created. It is shown only now:\n\n  ${adminToken}\n`);
}

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  await app.close();
  closeDatabase(db);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ port: config.PORT, host: config.HOST });
