// `npm run cms -- …` as an operator uses it, against a temporary database.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { createTokenRepository } from '../src/modules/tokens/repository.ts';
import { createTokenService } from '../src/modules/tokens/service.ts';
import { closeDatabase, openDatabase } from '../src/db/database.ts';
import { testDatabase } from './engine.ts';
import { tempDir } from './helper.ts';
import { childEnv, ROOT } from './process.ts';

const exec = promisify(execFile);

t.test('cms CLI: migrate, seed (idempotent), token create/list/revoke', async (t) => {
  const dir = tempDir(t);
  // A new, unmigrated database (on PostgreSQL an empty one, not the migrated template), so that
  // `migrate` has the work to do that it has on SQLite.
  const env = childEnv({ CMS_DB: await testDatabase(t, dir, { migrated: false }), CMS_MEDIA_DIR: path.join(dir, 'media') });
  const cms = (...args: string[]) => exec('node', ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env });

  const migrated = await cms('migrate');
  t.match(migrated.stderr, /migrated/);

  const first = await cms('seed');
  t.match(first.stderr, /"sections":14,"authors":2,"images":1,"articles":1/);
  const second = await cms('seed');
  t.match(second.stderr, /"sections":0,"authors":0,"images":0,"articles":0/, 'seeding twice creates nothing');

  // Exactly as the README and API.md say: the token alone on stdout.
  const created = await exec('npm', ['run', '-s', 'cms', '--', 'token', 'create', '--name', 'ann', '--role', 'editor'], { cwd: ROOT, env });
  t.match(created.stdout, /^cms_[A-Za-z0-9_-]{43}\n$/, 'stdout is the token alone');
  const token = created.stdout.trim();

  const listed = (await cms('token', 'list')).stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.equal(listed.length, 1);
  t.match(listed[0], { name: 'ann', role: 'editor', revokedAt: null });
  t.notOk('tokenHash' in listed[0], 'the hash is not listed');
  t.notOk(JSON.stringify(listed).includes(token), 'the token is not listed');

  const db = await openDatabase(env.CMS_DB!, { pool: 2 });
  t.teardown(() => closeDatabase(db));
  const tokens = createTokenService({ tokens: createTokenRepository(db) });
  t.match(await tokens.authenticate(token), { name: 'ann', role: 'editor' }, 'the printed token authenticates');

  await cms('token', 'revoke', listed[0].id);
  t.equal(await tokens.authenticate(token), null, 'a revoked token no longer authenticates');

  for (const args of [['token', 'create', '--name', 'x', '--role', 'root'], ['token', 'create', '--role', 'editor'], ['bogus'], [], ['token', 'revoke', 'nope']]) {
    const failed = await cms(...args).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    t.equal(failed?.code, 2, `cms ${args.join(' ')} exits with 2`);
    t.match(failed?.stderr, /usage: npm run -s cms/);
  }
});
