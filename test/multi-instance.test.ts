// Several server processes on one PostgreSQL database act as one service (API.md, Engines):
// a write answered by one is read through the other within 1 s, even where the other had
// the old answer in its response cache; a scheduled article becomes public at its time on
// both and is "handled" by neither (no second write, no second revision); an Idempotency-Key
// is shared; with Redis, rate limits are counted once for all instances.
import { onPostgres } from './engine-postgres.ts';
import t, { type Test } from 'tap';
import { SEED_SLUG, tempDir } from './helper.ts';
import { testDatabase } from './engine.ts';
import { type Running, startServer } from './process.ts';
import { REDIS_URL, skipped } from './services.ts';

const json = { 'content-type': 'application/json' };

async function call(base: string, method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : json), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** Polls `check` until it holds or `ms` pass; resolves with how long it took (or -1). */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start <= ms) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 25));
  }
  return -1;
}

async function twoInstances(t: Test, env: Record<string, string> = {}): Promise<{ a: Running; b: Running; token: string }> {
  const dir = tempDir(t);
  const db = await testDatabase(t, dir, { migrated: false });
  const common = { CMS_DB: db, CMS_MEDIA_DIR: `${dir}/media`, ...env };
  const a = await startServer(common);
  t.teardown(a.stop);
  const token = /cms_[A-Za-z0-9_-]+/.exec(a.output())?.[0];
  if (!token) throw new Error(`no admin token printed:\n${a.output()}`);
  const b = await startServer(common);
  t.teardown(b.stop);
  return { a, b, token };
}

await onPostgres(async () => {
  t.test('a write through one instance is read through the other within 1 s', async (t) => {
    const { a, b, token } = await twoInstances(t);
    // B caches the public list and the seed article before the write.
    const before = await call(b.base, 'GET', '/v1/articles?section=national');
    t.equal(before.body.data.length, 1);
    await call(b.base, 'GET', '/v1/articles?section=national');
    t.equal((await fetch(`${b.base}/v1/articles?section=national`)).headers.get('x-cache'), 'hit', 'B answers the list from its cache');

    const section = (await call(a.base, 'GET', '/v1/sections?path=national')).body.data[0].id;
    const created = await call(a.base, 'POST', '/v1/articles', token, { headline: 'Across instances', sectionId: section, body: [{ type: 'paragraph', text: 'One.' }] });
    t.equal(created.status, 201);
    const published = await call(a.base, 'POST', `/v1/articles/${created.body.id}/publish`, token);
    t.equal(published.status, 200);
    const listed = await within(1000, async () => (await call(b.base, 'GET', '/v1/articles?section=national')).body.data.length === 2);
    t.ok(listed >= 0, `B lists the new article within 1 s (took ${listed} ms)`);
    const read = await within(1000, async () => (await call(b.base, 'GET', `/v1/articles/slug/${created.body.slug}`)).status === 200);
    t.ok(read >= 0, `B reads it by slug within 1 s (took ${read} ms)`);

    // An edit of the seed article through B is seen through A, whose cache held it.
    await call(a.base, 'GET', `/v1/articles/slug/${SEED_SLUG}`);
    const seed = (await call(b.base, 'GET', `/v1/articles/slug/${SEED_SLUG}`, token)).body;
    const edited = await call(b.base, 'PATCH', `/v1/articles/${seed.id}`, token, { summary: 'Edited through B.' });
    t.equal(edited.status, 200);
    const seen = await within(1000, async () => (await call(a.base, 'GET', `/v1/articles/slug/${SEED_SLUG}`)).body.summary === 'Edited through B.');
    t.ok(seen >= 0, `A serves the edit within 1 s (took ${seen} ms)`);
  });

  t.test('a scheduled article becomes public at its time on every instance, handled by none', async (t) => {
    const { a, b, token } = await twoInstances(t);
    const section = (await call(a.base, 'GET', '/v1/sections?path=national')).body.data[0].id;
    const created = (await call(a.base, 'POST', '/v1/articles', token, { headline: 'Scheduled across instances', sectionId: section })).body;
    // Both instances cache the list without it.
    for (const s of [a, b]) await call(s.base, 'GET', '/v1/articles');
    const at = new Date(Date.now() + 1500).toISOString();
    const scheduled = await call(a.base, 'POST', `/v1/articles/${created.id}/publish`, token, { publishAt: at });
    t.equal(scheduled.body.status, 'scheduled');
    t.equal((await call(b.base, 'GET', `/v1/articles/slug/${created.slug}`)).status, 404, 'not public before its time');
    for (const s of [a, b]) {
      const shown = await within(3000, async () => (await call(s.base, 'GET', '/v1/articles')).body.data.some((x: { id: string }) => x.id === created.id));
      t.ok(shown >= 0, `${s === a ? 'A' : 'B'} lists it once its time has come`);
      const read = (await call(s.base, 'GET', `/v1/articles/slug/${created.slug}`)).body;
      t.equal(read.status, 'published');
      t.equal(read.firstPublishedAt, at, 'first published at its scheduled time');
    }
    const revisions = (await call(b.base, 'GET', `/v1/articles/${created.id}/revisions`, token)).body.data;
    t.same(revisions.map((r: { revision: number }) => r.revision), [2, 1], 'no instance wrote anything when it came due');
  });

  t.test('an Idempotency-Key is shared by the instances', async (t) => {
    const { a, b, token } = await twoInstances(t);
    const section = (await call(a.base, 'GET', '/v1/sections?path=national')).body.data[0].id;
    const body = { headline: 'Once only', sectionId: section };
    const key = { 'idempotency-key': 'shared-key-1' };
    const [first, second] = await Promise.all([
      call(a.base, 'POST', '/v1/articles', token, body, key),
      call(b.base, 'POST', '/v1/articles', token, body, key),
    ]);
    const statuses = [first.status, second.status].sort();
    t.ok(statuses[0] === 201 && (statuses[1] === 201 || statuses[1] === 409), `one creates, the other replays or is told it is in flight (${statuses})`);
    if (statuses[1] === 201) t.equal(first.body.id, second.body.id, 'a replay answers the same article');
    const replay = await call(b.base, 'POST', '/v1/articles', token, body, key);
    t.equal(replay.status, 201);
    t.equal(replay.headers.get('idempotency-replayed'), 'true');
    const drafts = (await call(a.base, 'GET', '/v1/articles?status=draft', token)).body.data.filter((x: { headline: string }) => x.headline === 'Once only');
    t.equal(drafts.length, 1, 'one article was created');
  });

  t.test('with Redis, the instances share one rate-limit count', { skip: skipped('redis') ?? false }, async (t) => {
    const { a, b, token } = await twoInstances(t, { CMS_REDIS_URL: REDIS_URL, CMS_RATE_LIMIT_WRITES: '4' });
    const section = (await call(a.base, 'GET', '/v1/sections?path=national')).body.data[0].id;
    const statuses: number[] = [];
    for (const s of [a, b, a, b, a]) statuses.push((await call(s.base, 'POST', '/v1/articles', token, { headline: `Limited ${statuses.length}`, sectionId: section })).status);
    t.same(statuses, [201, 201, 201, 201, 429], 'the fifth write within the minute is refused, whichever instance takes it');
  });
});
