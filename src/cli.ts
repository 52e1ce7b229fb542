// `npm run cms -- <command>`: database and token administration.
//   migrate                                   apply pending migrations
//   seed                                      load fixtures/ (idempotent)
//   token create --name NAME --role ROLE      print a new token (alone) on stdout
//   token list                                tokens as JSON lines (never the secret)
//   token revoke ID
//   media gc [--grace-seconds N]              finish or remove files left by crashes; remove orphans
//   export DIR                                DIR/content.ndjson and DIR/media/ (src/modules/transfer)
//   import DIR                                load an export: all of it or nothing
//   backup FILE                               a tar of the database and media/ while the server runs
//   restore FILE                              into an empty or new database (src/modules/backup)
import { parseArgs } from 'node:util';
import { createServices } from './app.ts';
import { loadConfig } from './config.ts';
import { closeDatabase, openDatabase } from './db/database.ts';
import { DatabaseUnreachableError } from './db/dialects/postgres.ts';
import { migrateDatabase } from './db/migrate.ts';
import { TOKEN_ROLES, type TokenRole } from './db/schema.ts';
import { loadSeed } from './seed/load.ts';
import { backupDatabase, restoreDatabase } from './modules/backup/backup.ts';
import { exportContent } from './modules/transfer/export.ts';
import { importContent, ImportAbortedError, ImportRejectedError } from './modules/transfer/import.ts';

const USAGE = `usage: npm run -s cms -- <command>
  migrate
  seed
  token create --name NAME --role writer|editor|admin
  token list
  token revoke ID
  media gc [--grace-seconds N]
  export DIR
  import DIR
  backup FILE
  restore FILE`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

export async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, role: { type: 'string' }, 'grace-seconds': { type: 'string' } },
  });
  const [command, sub, arg] = positionals;
  if (!command) fail('No command given.');
  const config = loadConfig();
  if (command === 'restore') {
    // Before anything touches the database: a new one must stay empty for the restore.
    if (!sub) fail('restore needs a FILE.');
    const report = await restoreDatabase({ url: config.CMS_DB, mediaDir: config.CMS_MEDIA_DIR, file: sub });
    if (!report.ok) {
      process.stderr.write(`${report.message}\n`);
      process.exit(1);
    }
    return;
  }
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(config.CMS_DB, { pool: 2 });
  } catch (error) {
    if (error instanceof DatabaseUnreachableError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  try {
    await migrateDatabase(db);
    const services = createServices({ config, db });
    switch (`${command}${sub ? ` ${sub}` : ''}`) {
      case 'migrate':
        process.stderr.write(`migrated ${config.CMS_DB}\n`);
        return;
      case 'seed': {
        const report = await loadSeed(services);
        process.stderr.write(`seeded ${config.CMS_DB}: ${JSON.stringify(report)}\n`);
        return;
      }
      case 'token create': {
        const name = values.name?.trim();
        if (!name) fail('token create needs --name.');
        if (!TOKEN_ROLES.includes(values.role as TokenRole)) fail(`--role must be one of ${TOKEN_ROLES.join(', ')}.`);
        process.stdout.write(`${(await services.tokens.create(name, values.role as TokenRole)).token}\n`);
        return;
      }
      case 'media gc': {
        const grace = values['grace-seconds'];
        if (grace !== undefined && !/^\d+$/.test(grace)) fail('--grace-seconds must be a whole number of seconds (0 or more).');
        const report = await services.editors.images.gc(grace === undefined ? {} : { graceMs: Number(grace) * 1000 });
        process.stderr.write(`media gc: ${JSON.stringify(report)}\n`);
        return;
      }
      case 'export':
      case 'import':
      case 'backup':
        fail(`${command} needs a ${command === 'backup' ? 'FILE' : 'DIR'}.`);
      case `export ${sub}`:
        try {
          await exportContent({ db, mediaDir: config.CMS_MEDIA_DIR, dir: sub! });
        } catch (error) {
          process.stderr.write(`export: failed: ${(error as Error).message}; no content.ndjson was written\n`);
          process.exitCode = 1;
        }
        return;
      case `import ${sub}`: {
        // Ctrl-C: the import stops at its next batch and rolls back (nothing stored).
        const abort = new AbortController();
        const onSigint = () => abort.abort();
        process.on('SIGINT', onSigint);
        try {
          const report = await importContent({ db, mediaDir: config.CMS_MEDIA_DIR, dir: sub!, signal: abort.signal });
          for (const hook of report.webhookSecrets) process.stdout.write(`${JSON.stringify(hook)}\n`);
        } catch (error) {
          if (error instanceof ImportRejectedError || error instanceof ImportAbortedError) {
            process.stderr.write(`${error.message}\n`);
            process.exitCode = error instanceof ImportAbortedError ? 130 : 1;
            return;
          }
          // Anything else (a full disk, a lost connection): one line, never a stack trace.
          process.stderr.write(`import: failed: ${(error as Error).message}; nothing was imported\n`);
          process.exitCode = 1;
          return;
        } finally {
          process.off('SIGINT', onSigint);
        }
        return;
      }
      case `backup ${sub}`: {
        const report = await backupDatabase({ db, mediaDir: config.CMS_MEDIA_DIR, file: sub! });
        if (!report.ok) {
          process.stderr.write(`${report.message}\n`);
          process.exitCode = 1; // not process.exit: the finally block still closes the database
        }
        return;
      }
      case 'token list':
        for (const t of await services.tokens.list()) process.stdout.write(`${JSON.stringify(t)}\n`);
        return;
      case 'token revoke':
        if (!arg) fail('token revoke needs an ID.');
        if (!(await services.tokens.revoke(arg))) fail(`No token ${arg}.`);
        process.stderr.write(`revoked ${arg}\n`);
        return;
      default:
        fail(`Unknown command: ${positionals.join(' ')}`);
    }
  } finally {
    await closeDatabase(db);
  }
}

await main(process.argv.slice(2));
