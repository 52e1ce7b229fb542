// No lost updates: many concurrent PATCHes over a real socket with the same If-Match.
import t from 'tap';
import { build, seedIds } from './helper.ts';

t.test('50 concurrent PATCHes with the same If-Match: one 200, 49 × 412, no revision lost', async (t) => {
  const b = await build(t);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const headers = { ...b.auth('editor'), 'content-type': 'application/json' };
  const sectionId = (await seedIds(b.services)).sections.get('sports');
  const created = await fetch(`${base}/v1/articles`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ headline: 'Concurrency', sectionId }),
  });
  t.equal(created.status, 201);
  const article = (await created.json()) as { id: string };
  const etag = created.headers.get('etag')!;
  t.ok(etag);

  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      fetch(`${base}/v1/articles/${article.id}`, {
        method: 'PATCH',
        headers: { ...headers, 'if-match': etag },
        body: JSON.stringify({ headline: `Edit number ${i}` }),
      }).then(async (r) => ({ status: r.status, body: await r.text() })),
    ),
  );
  const statuses = results.map((r) => r.status);
  t.equal(statuses.filter((s) => s === 200).length, 1, 'exactly one PATCH wins');
  t.equal(statuses.filter((s) => s === 412).length, 49, 'the other 49 are 412');
  const winner = JSON.parse(results.find((r) => r.status === 200)!.body) as { headline: string; version: number };
  t.equal(winner.version, 2);

  const current = await fetch(`${base}/v1/articles/${article.id}`, { headers });
  const body = (await current.json()) as { headline: string; version: number };
  t.equal(body.headline, winner.headline, 'the stored headline is the winner’s');
  const revisions = (await (await fetch(`${base}/v1/articles/${article.id}/revisions`, { headers })).json()) as { data: { revision: number }[] };
  t.same(revisions.data.map((r) => r.revision), [2, 1], 'one revision per successful change, none lost');
});
