// GET /v1/sync (issue 14): the public articles that changed since a cursor. Checked as a
// property: after random sequences of create, edit, publish, schedule (with the clock moved
// and the scheduler run), unpublish, archive and delete, replaying the sync from the start,
// and from every intermediate cursor on top of the state held there, gives exactly the
// public articles GET /v1/articles lists, at their versions.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { schedulerOf } from '../../../src/modules/events/scheduler.ts';
import { build, seedIds, type Built } from '../../helper.ts';
import { problem, send } from '../../requests.ts';

const MINUTE = 60_000;

/** Applies the sync from `cursor` (null: the start) to `state` (id -> version), page by page. */
async function replay(b: Built, cursor: string | null, state: Map<string, number>, limit = 3): Promise<string> {
  for (let pages = 0; pages < 1000; pages++) {
    const res = await send(b, 'GET', `/v1/sync?limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, { role: null });
    if (res.statusCode !== 200) throw new Error(`GET /v1/sync: ${res.statusCode} ${res.body}`);
    const body = res.json();
    const seen = new Set<string>();
    for (const item of body.data) {
      if (seen.has(item.id)) throw new Error(`${item.id} twice in one page`);
      seen.add(item.id);
      if (item.type === 'upsert') state.set(item.id, item.article.version);
      else state.delete(item.id);
    }
    if (typeof body.page.nextCursor !== 'string') throw new Error('nextCursor not set');
    cursor = body.page.nextCursor;
    if (!body.page.hasMore) return cursor!;
  }
  throw new Error('sync did not end');
}

/** The public articles (id -> version) as GET /v1/articles lists them. */
async function publicList(b: Built): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor: string | null = null;
  do {
    const res = await send(b, 'GET', `/v1/articles?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { role: null });
    if (res.statusCode !== 200) throw new Error(`GET /v1/articles: ${res.statusCode}`);
    for (const a of res.json().data) out.set(a.id, a.version);
    cursor = res.json().page.nextCursor;
  } while (cursor);
  return out;
}

const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => a.localeCompare(b));

t.test('sync: from the start, paging, no-store, an unknown cursor is 400', async (t) => {
  const b = await build(t);
  const first = await send(b, 'GET', '/v1/sync', { role: null });
  t.equal(first.statusCode, 200);
  t.equal(first.headers['cache-control'], 'no-store', 'not to be cached');
  const body = first.json();
  t.equal(body.page.limit, 20, 'the list routes’ default limit');
  t.equal(body.page.hasMore, false);
  t.type(body.page.nextCursor, 'string', 'nextCursor set');
  t.ok(body.data.length > 0 && body.data.every((i: any) => i.type === 'upsert' && i.article.id === i.id), 'the seed’s public articles, as upserts');
  t.same(new Set(body.data.map((i: any) => i.id)), new Set((await publicList(b)).keys()), 'the public articles');

  // Nothing new: the same cursor back, no items; and never answered from the response cache.
  const again = await send(b, 'GET', `/v1/sync?cursor=${body.page.nextCursor}`, { role: null });
  t.strictSame(again.json().data, []);
  t.equal(again.json().page.nextCursor, body.page.nextCursor, 'the cursor given when nothing changed');
  const d = await send(b, 'POST', '/v1/articles', { body: { headline: 'Synced', sectionId: (await seedIds(b.services)).sections.get('national/politics'), body: [] } });
  t.strictSame((await send(b, 'GET', `/v1/sync?cursor=${body.page.nextCursor}`, { role: null })).json().data, [], 'a draft is not synced');
  const published = await send(b, 'POST', `/v1/articles/${d.json().id}/publish`);
  const next = await send(b, 'GET', `/v1/sync?cursor=${body.page.nextCursor}`, { role: null });
  t.equal(next.headers['x-cache'], undefined, 'not from the response cache');
  t.strictSame(next.json().data.map((i: any) => [i.type, i.id, i.article.version]), [['upsert', d.json().id, published.json().version]], 'the publication shows at once');
  const pub = await send(b, 'GET', `/v1/articles/${d.json().id}`, { role: null });
  t.strictSame(next.json().data[0].article, pub.json(), 'the article as GET shows it to the public');

  // Paging: limit 1 walks the same items one at a time.
  const one = await send(b, 'GET', '/v1/sync?limit=1', { role: null });
  t.equal(one.json().data.length, 1);
  t.equal(one.json().page.hasMore, true);

  for (const bad of ['nope', 'eyJzIjotMX0', Buffer.from('{"s":"1"}').toString('base64url'), Buffer.from('{"after":1}').toString('base64url')]) {
    const p = problem(t, await send(b, 'GET', `/v1/sync?cursor=${bad}`, { role: null }), 400, `cursor ${bad}`);
    t.strictSame(p.errors.map((e: any) => `${e.in}:${e.path}`), ['query:cursor']);
  }
  problem(t, await send(b, 'GET', '/v1/sync?limit=0', { role: null }), 400, 'limit 0');
  problem(t, await send(b, 'GET', '/v1/sync?limit=101', { role: null }), 400, 'limit 101');
  problem(t, await send(b, 'GET', '/v1/sync?since=1', { role: null }), 400, 'an unknown parameter');
});

type Step =
  | { op: 'create' }
  | { op: 'edit' | 'publish' | 'unpublish' | 'archive' | 'delete'; i: number }
  | { op: 'schedule'; i: number; minutes: number }
  | { op: 'advance'; minutes: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ op: 'create' as const }),
  fc.record({ op: fc.constant('publish' as const), i: fc.nat(20) }),
  fc.record({ op: fc.constantFrom('edit' as const, 'publish' as const, 'unpublish' as const, 'archive' as const, 'delete' as const), i: fc.nat(20) }),
  fc.record({ op: fc.constant('schedule' as const), i: fc.nat(20), minutes: fc.integer({ min: 1, max: 90 }) }),
  fc.record({ op: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 120 }) }),
);

t.test('sync as a property: a replay, from the start or from any cursor, equals the public list', async (t) => {
  let run = 0;
  await fc.assert(
    // Two drafts first, so that most steps act on an article.
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 13 }).map((rest): Step[] => [{ op: 'create' }, { op: 'create' }, ...rest]), async (steps) => {
      let failure: string | null = null;
      await t.test(`run ${++run}: ${steps.map((s) => s.op).join(' ')}`, async (tt) => {
        const b = await build(tt);
        const scheduler = schedulerOf(b.db)!;
        const sectionId = (await seedIds(b.services)).sections.get('national/politics');
        const ids: string[] = [];
        // (cursor, the state a client held there) after each step.
        const checkpoints: { cursor: string; state: Map<string, number> }[] = [];
        let cursor: string | null = null;
        const held = new Map<string, number>();
        const pick = (i: number) => ids[i % ids.length];
        for (const s of steps) {
          let res;
          if (s.op === 'create') {
            res = await send(b, 'POST', '/v1/articles', { body: { headline: `Article ${ids.length}`, sectionId, body: [{ type: 'paragraph', text: 'Text.' }] } });
            if (res.statusCode === 201) ids.push(res.json().id);
          } else if (s.op === 'advance') {
            b.clock.advance(s.minutes * MINUTE);
          } else if (ids.length > 0) {
            const id = pick(s.i);
            if (s.op === 'edit') res = await send(b, 'PATCH', `/v1/articles/${id}`, { body: { headline: `Edited ${b.clock.now()}` } });
            else if (s.op === 'delete') res = await send(b, 'DELETE', `/v1/articles/${id}`);
            else if (s.op === 'schedule') res = await send(b, 'POST', `/v1/articles/${id}/publish`, { body: { publishAt: new Date(b.clock.now() + s.minutes * MINUTE).toISOString() } });
            else res = await send(b, 'POST', `/v1/articles/${id}/${s.op}`);
          }
          if (res && res.statusCode >= 500) throw new Error(`${s.op}: ${res.statusCode} ${res.body}`);
          // A client syncs after each step (the scheduler has run: it does within a second).
          await scheduler.tick();
          cursor = await replay(b, cursor, held);
          checkpoints.push({ cursor, state: new Map(held) });
        }
        b.clock.advance(MINUTE);
        await scheduler.tick();
        const expected = sorted(await publicList(b));
        const fromStart = new Map<string, number>();
        await replay(b, null, fromStart);
        if (JSON.stringify(sorted(fromStart)) !== JSON.stringify(expected)) {
          failure = `from the start: ${JSON.stringify(sorted(fromStart))} != ${JSON.stringify(expected)}`;
          return;
        }
        for (const [n, c] of checkpoints.entries()) {
          const state = new Map(c.state);
          await replay(b, c.cursor, state, 2);
          if (JSON.stringify(sorted(state)) !== JSON.stringify(expected)) {
            failure = `from the cursor after step ${n + 1}: ${JSON.stringify(sorted(state))} != ${JSON.stringify(expected)}`;
            return;
          }
        }
        tt.pass(`replays equal the public list (${expected.length} articles, ${checkpoints.length} cursors)`);
      });
      if (failure) throw new Error(failure);
    }),
    { numRuns: 20, endOnFailure: true },
  );
});

t.test('sync: concurrent writers never leave a client behind', async (t: Test) => {
  // Writes racing each other (and a reader between them): every change's seq commits in order,
  // so a client that read a cursor never misses a change committed before a later one.
  const b = await build(t);
  const sectionId = (await seedIds(b.services)).sections.get('national/politics');
  const held = new Map<string, number>();
  let cursor = await replay(b, null, held);
  const made: string[] = [];
  for (let i = 0; i < 8; i++) {
    const res = await send(b, 'POST', '/v1/articles', { body: { headline: `Racing ${i}`, sectionId, body: [] } });
    made.push(res.json().id);
  }
  for (let round = 0; round < 3; round++) {
    const writes = made.map((id, i) =>
      send(b, 'POST', `/v1/articles/${id}/${(i + round) % 3 === 0 ? 'unpublish' : 'publish'}`).then((r) => {
        if (r.statusCode >= 500) throw new Error(`${r.statusCode} ${r.body}`);
      }),
    );
    const reads = (async () => {
      for (let k = 0; k < 4; k++) cursor = await replay(b, cursor, held);
    })();
    await Promise.all([...writes, reads]);
  }
  cursor = await replay(b, cursor, held);
  t.strictSame(sorted(held), sorted(await publicList(b)), 'the client holds the public articles');
});
