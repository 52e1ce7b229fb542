// SQLite: while another process holds the write lock (a `cms import` writing one large
// transaction), the server's writes wait busy_timeout (5 s) and are then answered 503 with
// Retry-After, a problem the client can act on, not a 500; reads go on. SQLite only.
import Database from 'better-sqlite3';
import t from 'tap';
import { build } from '../helper.ts';

t.test('a write that finds the database locked by another connection: 503 with Retry-After; reads go on', async (t) => {
  const built = await build(t);
  const { app, db } = built;
  const other = new Database(db.label);
  t.teardown(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  try {
    const read = await app.inject({ method: 'GET', url: '/v1/articles' });
    t.equal(read.statusCode, 200, 'reads are answered while the lock is held');
    const started = Date.now();
    const write = await app.inject({ method: 'POST', url: '/v1/authors', headers: built.auth('editor'), payload: { name: 'Waiting Writer' } });
    t.equal(write.statusCode, 503, 'the write is answered 503 once busy_timeout has passed');
    t.ok(Date.now() - started >= 4500, 'after waiting for the lock');
    t.ok(write.headers['retry-after'], 'with Retry-After');
    t.match(write.headers['content-type'], /^application\/problem\+json/);
    t.notMatch(write.body, /at .*\.ts:\d+/, 'no stack trace');
  } finally {
    other.exec('ROLLBACK');
  }
  const after = await app.inject({ method: 'POST', url: '/v1/authors', headers: built.auth('editor'), payload: { name: 'Waiting Writer' } });
  t.equal(after.statusCode, 201, 'once the lock is released, the same write succeeds');
});
