// PostgreSQL going away under load (API.md, Engines; issue 11 "Faults"). A real restart of the
// shared server would break every other test running in parallel, so the server sits behind a
// TCP proxy here and the proxy does to the connections what a restart does: it cuts every
// open connection and refuses new ones for a while, then accepts again. Meanwhile each request
// is answered (a 503 problem with Retry-After, or a success) within 10 s, none hangs; the pool
// recovers by itself within 5 s of the database's return; no acknowledged write is lost.
import { onPostgres } from './engine-postgres.ts';
import net from 'node:net';
import pg from 'pg';
import t from 'tap';
import { tempDir } from './helper.ts';
import { testDatabase } from './engine.ts';
import { startServer } from './process.ts';

/** A TCP proxy to PostgreSQL that can "restart" it: drop every connection and refuse for a while. */
async function pgProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return client.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    /** The database goes down: every connection is cut, new ones are refused. */
    stop() {
      down = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    start() {
      down = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

await onPostgres(async () => {
  t.test('PostgreSQL restarted under load: 503s within 10 s, recovery within 5 s, no acknowledged write lost', async (t) => {
    const dir = tempDir(t);
    const url = new URL(await testDatabase(t, dir, { migrated: false }));
    const proxy = await pgProxy(url);
    t.teardown(proxy.close);
    const viaProxy = new URL(url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    // The response cache off, so that every read needs the database.
    const server = await startServer({ CMS_DB: viaProxy.toString(), CMS_MEDIA_DIR: `${dir}/media`, CMS_RESPONSE_CACHE_BYTES: '0', CMS_RATE_LIMIT_WRITES: '100000' });
    t.teardown(server.stop);
    const token = /cms_[A-Za-z0-9_-]+/.exec(server.output())![0];
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const section = ((await (await fetch(`${server.base}/v1/sections?path=national`)).json()) as { data: { id: string }[] }).data[0]!.id;

    const acknowledged: string[] = [];
    const outcomes: { status: number; ms: number; retryAfter: string | null; at: number; type: string | null }[] = [];
    let running = true;
    let n = 0;
    const worker = async (write: boolean) => {
      while (running) {
        const start = Date.now();
        const ctl = AbortSignal.timeout(20_000);
        try {
          const res = write
            ? await fetch(`${server.base}/v1/articles`, { method: 'POST', headers: auth, body: JSON.stringify({ headline: `Under fault ${++n}`, sectionId: section }), signal: ctl })
            : await fetch(`${server.base}/v1/articles?limit=5`, { signal: ctl });
          const body = (await res.json()) as { id?: string; type?: string };
          if (write && res.status === 201 && body.id) acknowledged.push(body.id);
          outcomes.push({ status: res.status, ms: Date.now() - start, retryAfter: res.headers.get('retry-after'), at: start, type: res.headers.get('content-type') });
        } catch {
          outcomes.push({ status: 0, ms: Date.now() - start, retryAfter: null, at: start, type: null });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const workers = [worker(false), worker(false), worker(true), worker(true)];
    await new Promise((r) => setTimeout(r, 1500));
    const downAt = Date.now();
    proxy.stop();
    await new Promise((r) => setTimeout(r, 4000));
    proxy.start();
    const upAt = Date.now();
    // Recovery: the first success after the database is back.
    let recoveredAt = -1;
    while (Date.now() - upAt < 8000) {
      const res = await fetch(`${server.base}/v1/articles?limit=1`);
      await res.arrayBuffer();
      if (res.status === 200) {
        recoveredAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await Promise.all(workers);

    const during = outcomes.filter((o) => o.at >= downAt && o.at < upAt);
    const failures = outcomes.filter((o) => o.status !== 200 && o.status !== 201);
    t.ok(during.length > 0, `${during.length} requests were made while the database was down`);
    t.ok(failures.length > 0, 'some requests failed while it was down');
    t.same(failures.filter((o) => o.status !== 503), [], 'every failure is a 503 (never a 500, never a dropped connection)');
    t.ok(failures.every((o) => o.retryAfter !== null && Number(o.retryAfter) >= 1), 'each 503 carries Retry-After');
    t.ok(failures.every((o) => o.type?.startsWith('application/problem+json')), 'each 503 is a problem');
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    t.ok(slowest <= 10_000, `no request waited more than 10 s (slowest ${slowest} ms)`);
    t.ok(recoveredAt >= 0 && recoveredAt - upAt <= 5000, `the pool recovered by itself ${recoveredAt - upAt} ms after the database returned`);
    t.ok(outcomes.some((o) => o.at > recoveredAt && o.status === 200), 'requests succeed again without a server restart');

    // Every write acknowledged with 201 is in the database.
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const { rows } = await client.query<{ id: string }>('select id from articles where id = any($1)', [acknowledged]);
    await client.end();
    t.ok(acknowledged.length > 0, `${acknowledged.length} writes were acknowledged`);
    t.equal(rows.length, acknowledged.length, 'every acknowledged write is stored');
  });
});
