// A crash mid-write loses nothing that was acknowledged: the server process is killed with
// SIGKILL while clients write; after a restart every 201 the clients saw is there and the
// database passes PRAGMA integrity_check (SQLite; on PostgreSQL the rows are read through a
// client of its own).
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import t from 'tap';
import { ENGINE, testDatabase } from './engine.ts';
import { tempDir } from './helper.ts';
import { startServer } from './process.ts';

t.test('SIGKILL during writes: every acknowledged write survives, integrity ok', async (t) => {
  const dir = tempDir(t);
  // A new database (on PostgreSQL an empty, unmigrated one): the first start prints the admin token.
  const env = { CMS_DB: await testDatabase(t, dir, { migrated: false }), CMS_MEDIA_DIR: path.join(dir, 'media'), CMS_RATE_LIMIT_WRITES: '100000' };
  const server = await startServer(env);
  t.teardown(server.stop);
  const token = /(cms_[A-Za-z0-9_-]{43})/.exec(server.output())?.[1];
  t.ok(token, 'admin token from the first start');
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const sections = (await (await fetch(`${server.base}/v1/sections?path=sports`)).json()) as { data: { id: string }[] };
  const sectionId = sections.data[0]!.id;

  const acknowledged: string[] = [];
  let stop = false;
  let attempted = 0;
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      attempted++;
      try {
        const res = await fetch(`${server.base}/v1/articles`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ headline: `Crash test ${w}-${i}`, sectionId, body: [{ type: 'paragraph', text: 'x'.repeat(2000) }] }),
        });
        if (res.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
      } catch {
        return; // the server is gone
      }
    }
  };
  const writers = Array.from({ length: 4 }, (_, w) => writer(w));
  // Kill once a good number of writes have been acknowledged, while writes are in flight.
  while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 20));
  await server.kill();
  stop = true;
  await Promise.all(writers);
  t.comment(`${acknowledged.length} writes acknowledged of ${attempted} attempted before SIGKILL`);
  t.ok(acknowledged.length >= 40);

  let stored: Set<string>;
  if (ENGINE === 'sqlite') {
    const db = new Database(env.CMS_DB, { readonly: true });
    t.equal((db.pragma('integrity_check', { simple: true }) as string), 'ok', 'PRAGMA integrity_check is ok');
    stored = new Set((db.prepare('select id from articles').all() as { id: string }[]).map((r) => r.id));
    db.close();
  } else {
    t.pass('PRAGMA integrity_check is ok', { skip: 'PRAGMA integrity_check checks SQLite\'s database file; PostgreSQL (still running, only the app was killed) owns its storage; the rows are checked below' });
    const client = new pg.Client({ connectionString: env.CMS_DB });
    await client.connect();
    try {
      stored = new Set((await client.query<{ id: string }>('select id from articles')).rows.map((r) => r.id));
    } finally {
      await client.end();
    }
  }
  const lost = acknowledged.filter((id) => !stored.has(id));
  t.same(lost, [], 'every acknowledged article is in the database');

  const again = await startServer(env);
  t.teardown(again.stop);
  for (const id of acknowledged.slice(-5)) {
    const res = await fetch(`${again.base}/v1/articles/${id}`, { headers });
    t.equal(res.status, 200, `article ${id} reads back after the restart`);
  }
});
