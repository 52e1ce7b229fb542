// The engine is chosen by CMS_DB alone, in one place (src/db/database.ts), and a PostgreSQL
// URL that cannot be reached stops the start with one clear line — host, port, database and
// the driver's reason — and no stack trace.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { isPostgresUrl } from '../src/db/database.ts';
import { describeUrl } from '../src/db/dialects/postgres.ts';
import { tempDir } from './helper.ts';
import { childEnv, freePort, ROOT } from './process.ts';

const run = promisify(execFile);

t.test('postgres:// and postgresql:// select PostgreSQL; anything else is a SQLite file', async (t) => {
  t.ok(isPostgresUrl('postgres://u@h/db'));
  t.ok(isPostgresUrl('postgresql://u:p@h:5433/db'));
  t.ok(isPostgresUrl('POSTGRES://h/db'));
  t.notOk(isPostgresUrl('./data/cms.sqlite'));
  t.notOk(isPostgresUrl('postgres.sqlite'));
  t.notOk(isPostgresUrl(':memory:'));
  t.equal(describeUrl('postgres://ann:secret@db.example.com:6543/news'), 'db.example.com:6543/news', 'messages never show the password');
  t.equal(describeUrl('postgresql://db.example.com/news'), 'db.example.com:5432/news');
});

for (const [what, command] of [
  ['npm start', ['start']],
  ['the CLI', ['run', '-s', 'cms', '--', 'migrate']],
] as const) {
  t.test(`${what} against an unreachable PostgreSQL fails with one clear line`, async (t) => {
    const port = await freePort(); // nothing listens there
    const dir = tempDir(t);
    const result = await run('npm', [...command], {
      cwd: ROOT,
      env: childEnv({ CMS_DB: `postgres://ann:secret@127.0.0.1:${port}/newsroom`, CMS_MEDIA_DIR: `${dir}/media`, PORT: String(await freePort()), LOG_LEVEL: 'warn' }),
      timeout: 60_000,
    }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    t.ok(result, 'it exits with a failure');
    t.not(result?.code, 0);
    const lines = (result?.stderr ?? '').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('npm ') && !l.startsWith('> '));
    t.same(lines.length, 1, `one line: ${JSON.stringify(lines)}`);
    t.match(lines[0], new RegExp(`^Cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/newsroom: .*ECONNREFUSED`), 'host, port, database and the reason');
    t.notMatch(result?.stderr ?? '', /secret/, 'not the password');
    t.notMatch(result?.stderr ?? '', /\n\s+at /, 'no stack trace');
  });
}
