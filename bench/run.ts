// `npm run bench` — read and write throughput against a ceiling measured in the same run.
// `npm run bench -- --quick`  every scenario for 3 s on a 10 k archive (default: 10 s on 100 k)
// `npm run bench -- --scale`  per-request cost at 10 k, 100 k and 1 M articles (`--sizes=10000,100000`)
// `npm run bench -- --engine postgres`  on PostgreSQL (default sqlite; `--engine all`: one, then
//   the other). PostgreSQL: a new database `cms_bench_<pid>_…` on CMS_BENCH_PG_URL's server
//   (default postgres://postgres@127.0.0.1:5432), dropped at the end.
// `npm run bench -- --render`  only re-renders results.md from results.json.
// `npm run bench -- --scale --floor`  also times, on SQLite, the search index built alone (the
//   import's indivisible part; bench/import-cost.ts).
// `--exports=<dir>` keeps the archives (export directories) there and reuses them next run.
// `--out=<dir>` reads and writes results.json and results.md there (default bench/).
// Prints tables and writes bench/results.md and bench/results.json: the figures of each engine's
// latest run are kept, so the markdown shows both engines side by side once both have run.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { closeDatabase, type Engine, openDatabase } from '../src/db/database.ts';
import { encodeCursor } from '../src/http/pagination.ts';
import { createTokenRepository } from '../src/modules/tokens/repository.ts';
import { createTokenService } from '../src/modules/tokens/service.ts';
import { buildDataset, type Dataset, prepareArchive } from './dataset.ts';
import { searchIndexAlone } from './import-cost.ts';
import { rng } from './rng.ts';
import { SITE_URL, startProcess as startShared } from './process.ts';
import { measureSitemap, sitemapMarkdown } from './sitemap.ts';
import { createBenchDatabase, databaseBytes, dropAllBenchDatabases, dropBenchDatabase } from './postgres.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const args = new Set(argv);
const quick = args.has('--quick');
const scale = args.has('--scale');
// `--floor` (with --scale, SQLite): also time the search index built alone (bench/import-cost.ts).
const floor = args.has('--floor');
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};
const sizesArg = option('sizes');
const ENGINES: Engine[] = ['sqlite', 'postgres'];
const engineArg = option('engine') ?? 'sqlite';
const engines: Engine[] = engineArg === 'all' || engineArg === 'both' ? ENGINES : (engineArg.split(',') as Engine[]);
for (const e of engines) {
  if (!ENGINES.includes(e)) {
    console.error(`--engine: expected sqlite, postgres or all, got ${JSON.stringify(engineArg)}`);
    process.exit(2);
  }
}
const OUT = path.resolve(option('out') ?? path.join(ROOT, 'bench'));
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'cms-bench-'));
process.on('exit', () => fs.rmSync(WORK, { recursive: true, force: true }));
// `--exports DIR`: the archives (export directories) are written there and kept for the next
// run (a 1 M archive is 7 GB and takes minutes to write); by default they go with WORK.
const EXPORTS = option('exports') ? path.resolve(option('exports')!) : WORK;
fs.mkdirSync(EXPORTS, { recursive: true });
// An interrupted run still drops its PostgreSQL databases.
let interrupted = false;
/** The server processes this run started and that have not exited. */
const running = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`${signal}: stopping the servers and dropping the bench databases`);
    for (const child of running) child.kill('SIGTERM');
    void dropAllBenchDatabases()
      .catch(() => {})
      .finally(() => process.exit(130));
  });
}

interface Figure {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  ratio: number;
  /** What `ratio` divides by: the in-memory ceiling, or the naive server (uncached scenarios). */
  reference?: 'ceiling' | 'naive';
  engine: Engine;
  /** slug-under-edits only: draft saves completed per second during the measured pass. */
  writesPerSec?: number;
}

/** Where one dataset lives: a SQLite file under WORK, or a new PostgreSQL database. */
interface Store {
  engine: Engine;
  /** What CMS_DB says. */
  url: string;
  bytes(): Promise<number>;
  dispose(): Promise<void>;
}

async function newStore(engine: Engine, name: string): Promise<Store> {
  if (engine === 'postgres') {
    const url = await createBenchDatabase(name);
    return { engine, url, bytes: () => databaseBytes(url), dispose: () => dropBenchDatabase(url) };
  }
  const file = path.join(WORK, `${name}.sqlite`);
  return {
    engine,
    url: file,
    bytes: async () => ['', '-wal'].reduce((sum, s) => sum + (fs.existsSync(file + s) ? fs.statSync(file + s).size : 0), 0),
    dispose: async () => {
      for (const s of ['', '-wal', '-shm']) fs.rmSync(file + s, { force: true });
    },
  };
}

async function startProcess(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const started = await startShared(script, env);
  running.add(started.child);
  started.child.once('exit', () => running.delete(started.child));
  return started;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Waits (at most 60 s) until the server is idle again: autocannon stops with requests still in
 * flight (a slow search), which the server would otherwise be stopped in the middle of.
 */
async function settle(base: string): Promise<void> {
  for (let quick = 0, tries = 0; quick < 3 && tries < 600; tries++) {
    const t0 = performance.now();
    await (await fetch(`${base}/health`)).arrayBuffer();
    quick = performance.now() - t0 < 20 ? quick + 1 : 0;
    await sleep(100);
  }
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

type Measured = Pick<Figure, 'rps' | 'p50Ms' | 'p99Ms' | 'writesPerSec'>;

async function cannon(opts: autocannon.Options, expect = 200): Promise<Measured> {
  const result = await autocannon({ connections: 10, pipelining: 1, timeout: 30, ...opts });
  // Every response must have the expected status (a 304 scenario: all 304).
  const unexpected = expect === 200 ? result.non2xx : result.requests.total - ((result as unknown as { '3xx': number })['3xx'] ?? 0);
  if (result.errors > 0 || result.timeouts > 0 || unexpected > 0) {
    throw new Error(`${opts.title}: ${result.errors} errors, ${result.timeouts} timeouts, ${unexpected} responses not ${expect}`);
  }
  return { rps: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

/** The cursor that opens page `page` (1-based) of the newest-first public list. */
async function cursorForPage(url: string, page: number, limit: number): Promise<{ cursor: string; page: number }> {
  const db = await openDatabase(url, { pool: 1 });
  try {
    const { time, readTime } = db.dialect;
    const now = Date.now();
    const [count] = await db.dialect.all<{ n: number | string }>(db.q, sql`select count(*) as n from article_feed where feed_key = 'all' and public_at <= ${time(now)}`);
    const total = Number(count!.n);
    const reachable = Math.min(page, Math.floor((total - 1) / limit));
    const [row] = await db.dialect.all<{ v: unknown; id: string }>(
      db.q,
      sql`select public_at as v, article_id as id from article_feed where feed_key = 'all' and public_at <= ${time(now)}
          order by public_at desc, article_id desc limit 1 offset ${(reachable - 1) * limit}`,
    );
    return { cursor: encodeCursor({ k: 'p', v: readTime(row!.v), id: row!.id }), page: reachable + 1 };
  } finally {
    await closeDatabase(db);
  }
}

async function editorToken(url: string): Promise<string> {
  const db = await openDatabase(url, { pool: 1 });
  try {
    return (await createTokenService({ tokens: createTokenRepository(db) }).create('bench', 'editor')).token;
  } finally {
    await closeDatabase(db);
  }
}

/**
 * A writer saving one draft article over HTTP `perSecond` times a second until stopped, as an
 * editor's autosave would: one save at a time (a tick that finds the previous save still
 * running is skipped, so `done` tells the rate achieved). Every save must answer 200.
 */
function draftWriter(base: string, token: string, id: string, body: string, perSecond: number) {
  let edits = 0;
  let done = 0;
  let inFlight = 0;
  let failure: string | null = null;
  const save = async () => {
    if (inFlight > 0) return;
    inFlight++;
    try {
      const n = ++edits;
      const res = await fetch(`${base}/v1/articles/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ headline: `Draft in progress, edit ${n}`, body: [{ type: 'paragraph', text: `Edit ${n}. ${body}` }] }),
      });
      await res.arrayBuffer();
      if (res.status === 200) done++;
      else failure ??= `draft save answered ${res.status}`;
    } catch (error) {
      failure ??= `draft save failed: ${(error as Error).message}`;
    } finally {
      inFlight--;
    }
  };
  const timer = setInterval(() => void save(), 1000 / perSecond);
  return {
    done: () => done,
    async stop(): Promise<void> {
      clearInterval(timer);
      while (inFlight > 0) await sleep(5);
      if (failure) throw new Error(`slug-under-edits: ${failure}`);
    },
  };
}

async function throughput(engine: Engine, size: number, seconds: number) {
  const store = await newStore(engine, `throughput_${size}`);
  const children: ChildProcess[] = [];
  try {
    console.log(`[${engine}] loading ${size} articles…`);
    const data = await buildDataset(store.url, size, { workDir: EXPORTS, mediaDir: path.join(WORK, 'media') });
    console.log(`[${engine}] loaded in ${(data.loadMs / 1000).toFixed(1)} s`);
    const token = await editorToken(store.url);
    const server = await startProcess('src/server.ts', {
      CMS_DB: store.url,
      CMS_MEDIA_DIR: path.join(WORK, 'media'),
      CMS_SEED: '0',
      CMS_RATE_LIMIT_WRITES: '100000000',
    });
    children.push(server.child);
    const r = rng(7);
    const slugs = Array.from({ length: 2000 }, () => r.pick(data.slugs));
    const sample = await fetch(`${server.base}/v1/articles/slug/${slugs[0]}`);
    const body = Buffer.from(await sample.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'etag', 'cache-control', 'vary']) headers[name] = sample.headers.get(name) ?? '';
    fs.writeFileSync(path.join(WORK, 'body.json'), body);
    const ceilingServer = await startProcess('bench/ceiling.ts', { BODY_FILE: path.join(WORK, 'body.json'), HEADERS: JSON.stringify(headers) });
    children.push(ceilingServer.child);
    // The second reference: bare Fastify + one prepared SELECT by slug on this same database.
    const naiveServer = await startProcess('bench/naive.ts', { CMS_DB: store.url });
    children.push(naiveServer.child);
    // The same app with its response cache off: what the long tail (crawlers, archive pages)
    // costs. It shares the database, so the documents the first reads build serve both.
    const uncached = await startProcess('src/server.ts', {
      CMS_DB: store.url,
      CMS_MEDIA_DIR: path.join(WORK, 'media'),
      CMS_SEED: '0',
      CMS_RESPONSE_CACHE_BYTES: '0',
    });
    children.push(uncached.child);
    // Random slugs over the whole archive (the cached scenarios draw from 2,000 of them).
    const everySlug = r.shuffle([...data.slugs]);
    const readAll = async (base: string, list: string[]) =>
      Promise.all(
        Array.from({ length: 10 }, async (_, w) => {
          for (let i = w; i < list.length; i += 10) {
            const res = await fetch(`${base}/v1/articles/slug/${list[i]}`);
            await res.arrayBuffer();
            if (res.status !== 200) throw new Error(`reading ${list[i]}: ${res.status}`);
          }
        }),
      );
    // Every slug the slug scenarios ask for is read once first, so that they measure cached
    // reads (as the 2 s warm-up pass does on an idle machine) however slow a cold read is.
    const distinct = [...new Set(slugs)];
    await readAll(server.base, distinct);
    // Articles no read has touched yet, for the first-read scenario.
    const touched = new Set(distinct);
    const unread = everySlug.filter((slug) => !touched.has(slug));
    const etags = new Map<string, string>();
    for (const slug of slugs.slice(0, 200)) etags.set(slug, (await fetch(`${server.base}/v1/articles/slug/${slug}`)).headers.get('etag')!);
    const deep = await cursorForPage(store.url, 500, 20);
    const sectionRoots = data.rootSectionPaths;
    const draft = data.drafts[0];
    if (!draft) throw new Error('the dataset holds no draft article');
    const draftText = 'word '.repeat(800).trim();
    const sectionIds = ((await (await fetch(`${server.base}/v1/sections?limit=100`)).json()) as { data: { id: string }[] }).data.map((s) => s.id);
    let duration = seconds;
    let n = 0;
    let cold = 0;
    let documentsBuilt = false;
    const bySlug = (title: string) =>
      cannon({ title, url: server.base, duration, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles/slug/${slugs[n++ % slugs.length]}` }) }] });
    const scenarios: Record<string, () => Promise<Measured>> = {
      // Driven exactly like article-by-slug (a fresh random path per request), so the load
      // generator does the same work on both sides of the ratio.
      ceiling: () =>
        cannon({ title: 'ceiling', url: ceilingServer.base, duration, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles/slug/${slugs[n++ % slugs.length]}` }) }] }),
      'article-by-slug': () => bySlug('slug'),
      // The same random paths over the whole archive, cache on: what a crawler meets.
      'random-slug': () =>
        cannon({ title: 'random slug', url: server.base, duration, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles/slug/${everySlug[n++ % everySlug.length]}` }) }] }),
      // The second reference (ratios of the uncached scenarios are to it).
      naive: () =>
        cannon({ title: 'naive', url: naiveServer.base, duration, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles/slug/${everySlug[n++ % everySlug.length]}` }) }] }),
      // First reads of articles whose documents do not exist yet (built and stored by the read).
      // Its warm-up pass reads other unread articles than its measured pass (until they run out).
      'uncached-first-read': () =>
        cannon({
          title: 'uncached first read',
          url: uncached.base,
          duration,
          requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles/slug/${unread[cold++ % unread.length]}` }) }],
        }),
      'uncached-slug': async () => {
        if (!documentsBuilt) {
          // Every article read once (as a live archive's have been): documents stored.
          await readAll(uncached.base, everySlug);
          documentsBuilt = true;
        }
        return cannon({ title: 'uncached slug', url: uncached.base, duration, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles/slug/${everySlug[n++ % everySlug.length]}` }) }] });
      },
      'uncached-section-page': () =>
        cannon({ title: 'uncached section', url: uncached.base, duration, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles?section=${sectionRoots[n++ % sectionRoots.length]}&limit=20` }) }] }),
      'uncached-newest': () => cannon({ title: 'uncached newest', url: `${uncached.base}/v1/articles?limit=20`, duration }),
      // The same reads while an editor saves a draft 5 times a second: a draft is public neither
      // before nor after, so its saves must not evict the cached articles.
      'slug-under-edits': async () => {
        const writer = draftWriter(server.base, token, draft, draftText, 5);
        const started = performance.now();
        try {
          const figure = await bySlug('slug-under-edits');
          const elapsed = (performance.now() - started) / 1000;
          return { ...figure, writesPerSec: Number((writer.done() / elapsed).toFixed(1)) };
        } finally {
          await writer.stop();
        }
      },
      'section-page': () =>
        cannon({ title: 'section', url: server.base, duration, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles?section=${sectionRoots[n++ % sectionRoots.length]}&limit=20` }) }] }),
      'deep-page': () => cannon({ title: 'deep', url: `${server.base}/v1/articles?limit=20&cursor=${deep.cursor}`, duration }),
      'revalidate-304': () =>
        cannon(
          {
            title: 'revalidate',
            url: server.base,
            duration,
            requests: [
              {
                setupRequest: (req) => {
                  const slug = [...etags.keys()][n++ % etags.size]!;
                  return { ...req, path: `/v1/articles/slug/${slug}`, headers: { ...req.headers, 'if-none-match': etags.get(slug)! } };
                },
              },
            ],
          },
          304,
        ),
      'create-article': () =>
        cannon({
          title: 'create',
          url: `${server.base}/v1/articles`,
          duration,
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ headline: 'Benchmark article', sectionId: undefined, body: [{ type: 'paragraph', text: 'x '.repeat(400) }] }),
          requests: [
            {
              setupRequest: (req) => ({
                ...req,
                body: JSON.stringify({ headline: `Benchmark article ${n++}`, sectionId: sectionIds[n % sectionIds.length], body: [{ type: 'paragraph', text: 'word '.repeat(800) }] }),
              }),
            },
          ],
        }),
      search: () =>
        cannon({ title: 'search', url: server.base, duration, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles?q=${data.words[n++ % 200]}%20${data.words[(n * 7) % 3000]}&limit=20` }) }] }),
    };
    const out: Record<string, Figure> = {};
    let ceilingRps = 0;
    let naiveRps = 0;
    // The references first; the first reads before anything else reads the archive.
    const order = ['ceiling', 'naive', 'uncached-first-read', 'uncached-slug', 'uncached-section-page', 'uncached-newest'];
    const ordered = [...order.map((name) => [name, scenarios[name]!] as const), ...Object.entries(scenarios).filter(([name]) => !order.includes(name))];
    for (const [name, run] of ordered) {
      // Warm-up pass, not reported: as long as the measured one, so that a quick run measures
      // a process as warm (JIT, caches, connections) as a full run's.
      duration = seconds;
      await run();
      const figure = await run();
      if (name === 'ceiling') ceilingRps = figure.rps;
      if (name === 'naive') naiveRps = figure.rps;
      const { writesPerSec, ...measured } = figure;
      // Uncached reads are compared with the naive database-backed server, the rest with the ceiling.
      const reference = name.startsWith('uncached-') ? naiveRps : ceilingRps;
      out[name] = {
        ...measured,
        ratio: Number((figure.rps / reference).toFixed(3)),
        reference: name.startsWith('uncached-') ? 'naive' : 'ceiling',
        engine,
        ...(writesPerSec === undefined ? {} : { writesPerSec }),
      };
      const writes = figure.writesPerSec === undefined ? '' : `  (${figure.writesPerSec} draft saves/s)`;
      console.log(`[${engine}] ${name.padEnd(16)} ${String(figure.rps).padStart(7)} req/s  p50 ${figure.p50Ms} ms  p99 ${figure.p99Ms} ms  ratio ${out[name]!.ratio}${writes}`);
    }
    await settle(server.base);
    return { size, loadMs: data.loadMs, deepPage: deep.page, bodyBytes: body.length, scenarios: out };
  } finally {
    for (const child of children.reverse()) await stop(child);
    await store.dispose();
  }
}

function cpuCell(c: Results | undefined): string {
  if (!c) return '–';
  return `${c.nodeSeconds} / ${c.server ? `${c.server.backendSeconds} / ${c.server.otherSeconds}` : '– / –'}`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function scaleAt(engine: Engine, size: number) {
  const store = await newStore(engine, `scale_${size}`);
  try {
    console.log(`[${engine}] scale: loading ${size} articles…`);
    const data: Dataset = await buildDataset(store.url, size, { workDir: EXPORTS, mediaDir: path.join(WORK, 'media') });
    const bytes = await store.bytes();
    console.log(`[${engine}]   loaded in ${(data.loadMs / 1000).toFixed(1)} s, ${(bytes / 1e6).toFixed(0)} MB; CPU ${JSON.stringify(data.loadCpu)}`);
    let searchIndexAloneSeconds: number | undefined;
    if (floor && engine === 'sqlite') {
      searchIndexAloneSeconds = await searchIndexAlone(store.url, (await prepareArchive(EXPORTS, size, 42)).dir, WORK);
      console.log(`[${engine}]   the search index alone: ${searchIndexAloneSeconds} s`);
    }

    // Server RSS while serving: the real server under a short load of random article reads
    // (the Node process only; on PostgreSQL the database server's memory is not counted).
    const server = await startProcess('src/server.ts', { CMS_DB: store.url, CMS_MEDIA_DIR: path.join(WORK, 'media'), CMS_SEED: '0' });
    let rss: number;
    try {
      let k = 0;
      await cannon({ title: 'rss', url: server.base, duration: 3, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles/slug/${data.slugs[(k++ * 7919) % data.slugs.length]}` }) }] });
      rss = rssMb(server.child.pid!);
      await settle(server.base);
    } finally {
      await stop(server.child);
    }

    // In-process latencies through the whole app (inject), response cache off: the real cost.
    const deep = await cursorForPage(store.url, Math.min(500, Math.floor(size / 40)), 20);
    const db = await openDatabase(store.url);
    const out: Record<string, { p50Ms: number; p99Ms: number }> = {};
    try {
      const app = await buildApp({ config: loadConfig({}, { CMS_DB: store.url, CMS_MEDIA_DIR: path.join(WORK, 'media'), CMS_RESPONSE_CACHE_BYTES: 0, CMS_SITE_URL: SITE_URL }), db, logger: false });
      await app.ready();
      try {
        const r = rng(11);
        const sample = Array.from({ length: 1000 }, () => `/v1/articles/slug/${r.pick(data.slugs)}`);
        const cases: Record<string, () => string> = {
          'article-by-slug': () => r.pick(sample),
          'section-page': () => `/v1/articles?section=${r.pick(data.rootSectionPaths)}&limit=20`,
          'deep-page': () => `/v1/articles?limit=20&cursor=${deep.cursor}`,
          'tag-page': () => `/v1/articles?tag=${r.pick(data.tagSlugs)}&limit=20`,
          // Full-text search with snippets: one common word, two words, and search-as-you-type
          // (the last word's first three letters).
          search: () => `/v1/articles?q=${data.words[r.int(0, 199)]}%20&limit=20`,
          'search-2-words': () => `/v1/articles?q=${data.words[r.int(0, 199)]}%20${data.words[r.int(0, 2999)]}%20&limit=20`,
          'search-prefix': () => `/v1/articles?q=${data.words[r.int(0, 199)]}%20${data.words[r.int(0, 2999)]!.slice(0, 3)}&limit=20`,
        };
        for (const [name, url] of Object.entries(cases)) {
          // The articles read were each read once before, as a live archive's have been (their
          // documents built); first reads are measured by the throughput run.
          // A server turns its event loop between requests; this loop must too, or the article
          // documents a read builds (stored after the response, on setImmediate) are never
          // written and every read measures a first read.
          const turn = () => new Promise((resolve) => setImmediate(resolve));
          if (name === 'article-by-slug') for (const u of sample) await app.inject({ url: u }).then(turn);
          for (let i = 0; i < 50; i++) await app.inject({ url: url() }).then(turn);
          const times: number[] = [];
          const count = name.startsWith('search') ? 200 : 500;
          for (let i = 0; i < count; i++) {
            const t0 = performance.now();
            const res = await app.inject({ url: url() });
            times.push(performance.now() - t0);
            if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode}`);
            await turn();
          }
          times.sort((a, b) => a - b);
          out[name] = { p50Ms: Number(percentile(times, 50).toFixed(3)), p99Ms: Number(percentile(times, 99).toFixed(3)) };
          console.log(`[${engine}]   ${name.padEnd(16)} p50 ${out[name]!.p50Ms} ms  p99 ${out[name]!.p99Ms} ms`);
        }
      } finally {
        await app.close();
      }
    } finally {
      await closeDatabase(db);
    }
    // A 50,000-URL month file over HTTP (bench/sitemap.ts): its month is added to the archive last.
    const sitemap = await measureSitemap(store.url, { mediaDir: path.join(WORK, 'media'), log: (line) => console.log(`[${engine}]   ${line}`) });
    return { engine, size, loadSeconds: Number((data.loadMs / 1000).toFixed(1)), loadCpu: data.loadCpu, ...(searchIndexAloneSeconds !== undefined ? { searchIndexAloneSeconds } : {}), dbMb: Math.round(bytes / 1e6), rssMb: Math.round(rss), deepPage: deep.page, latency: out, sitemap };
  } finally {
    await store.dispose();
  }
}

// ---- results: each engine's latest figures, kept across runs ----

type Results = Record<string, any>;
interface EngineResults {
  machine: Results;
  throughput?: Results;
  scenarios?: Record<string, Figure>;
  scale?: Results;
  // bench/webhooks.ts: article reads and writes with a dead webhook receiver, against without.
  webhooks?: Results;
}

const resultsFile = path.join(OUT, 'results.json');
const previous: Results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : {};
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
const results: Results = { ...previous, machine, engines: previousEngines(previous) };

/** Each engine's figures in `r`; results written before engines existed were SQLite's. */
function previousEngines(r: Results): Partial<Record<Engine, EngineResults>> {
  if (r.engines) return r.engines;
  if (!r.scenarios && !r.scale) return {};
  const tag = <T extends object>(x: T | undefined) => (x ? { ...x, engine: 'sqlite' as const } : undefined);
  return {
    sqlite: {
      machine: r.machine,
      throughput: r.throughput ? { engine: 'sqlite', date: r.machine?.date, ...r.throughput } : undefined,
      scenarios: r.scenarios ? Object.fromEntries(Object.entries<Figure>(r.scenarios).map(([k, f]) => [k, { ...f, engine: 'sqlite' as const }])) : undefined,
      scale: r.scale ? { engine: 'sqlite', date: r.machine?.date, ...r.scale, sizes: r.scale.sizes.map(tag) } : undefined,
    },
  };
}

try {
  if (args.has('--render')) {
    // Only re-render results.md from results.json.
    Object.assign(results, { machine: previous.machine ?? machine });
  } else {
    for (const engine of engines) {
      const started = { ...machine, date: new Date().toISOString() };
      const mine: EngineResults = { ...results.engines[engine], machine: started };
      if (scale) {
        const sizes = sizesArg ? sizesArg.split(',').map(Number) : [10_000, 100_000, 1_000_000];
        const points = [];
        for (const size of sizes) points.push(await scaleAt(engine, size));
        const first = points[0]!;
        const last = points.at(-1)!;
        const ratios = Object.fromEntries(Object.keys(first.latency).map((name) => [name, Number((last.latency[name]!.p50Ms / first.latency[name]!.p50Ms).toFixed(2))]));
        mine.scale = { engine, date: started.date, sizes: points, p50Ratio: { from: first.size, to: last.size, ...ratios } };
        results.scale = mine.scale;
        console.log(`[${engine}] p50 ratio ${last.size}/${first.size}:`, ratios);
      } else {
        const size = quick ? 10_000 : 100_000;
        const t = await throughput(engine, size, quick ? 3 : 10);
        mine.throughput = { engine, date: started.date, size, seconds: quick ? 3 : 10, loadSeconds: Number((t.loadMs / 1000).toFixed(1)), deepPage: t.deepPage, bodyBytes: t.bodyBytes };
        mine.scenarios = t.scenarios;
        // The top-level entries (the shape results.json always had) hold the latest run.
        results.throughput = mine.throughput;
        results.scenarios = mine.scenarios;
      }
      results.engines[engine] = mine;
    }
  }
} catch (error) {
  // Interrupted: the signal handler drops the databases and exits (the run's own failures,
  // its connections cut by the drop, are not worth reporting).
  if (interrupted) await new Promise(() => {});
  // A failed query's error holds the whole (multi-megabyte) statement: report what failed.
  const e = error as Error & { query?: string; cause?: Error };
  if (typeof e?.query === 'string' && e.cause) throw new Error(`${e.cause.message} in: ${e.query.slice(0, 200)}…`, { cause: e.cause });
  throw error;
} finally {
  await dropAllBenchDatabases();
}
fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
fs.writeFileSync(path.join(OUT, 'results.md'), renderMarkdown(results));
console.log(`wrote ${path.relative(process.cwd(), resultsFile)} and ${path.relative(process.cwd(), path.join(OUT, 'results.md'))}`);

// ---- markdown ----

/** The engines holding `part`, in the order sqlite, postgres. */
function withPart(r: Results, part: keyof EngineResults): Engine[] {
  return ENGINES.filter((e) => r.engines?.[e]?.[part]);
}

/** One value when every engine agrees, else `engine value` for each. */
function per(r: Results, es: Engine[], value: (e: EngineResults) => unknown): string {
  const values = es.map((e) => String(value(r.engines[e])));
  return new Set(values).size === 1 ? values[0]! : es.map((e, i) => `${e} ${values[i]}`).join(', ');
}

function renderMarkdown(r: Results): string {
  const lines = [
    '# Benchmark results',
    '',
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGb} GiB; Node ${r.machine.node}; written ${r.machine.date}.`,
    'Absolute figures drift on this shared machine; the ratios to the ceiling, measured in the same run, are the figures to compare.',
    '',
  ];
  const tp = withPart(r, 'scenarios');
  if (tp.length > 0) {
    const t = (e: EngineResults) => e.throughput!;
    lines.push(
      `## Throughput (${per(r, tp, (e) => t(e).size)} articles, ${per(r, tp, (e) => t(e).seconds)} s per scenario, 10 connections, autocannon over loopback)`,
      '',
      `The ceiling is a bare Fastify 5 server sending the same ${per(r, tp, (e) => t(e).bodyBytes)}-byte article response from memory, driven with the same random article paths. ` +
        `Deep page = page ${per(r, tp, (e) => t(e).deepPage)} of 20 via cursor. ` +
        'slug-under-edits = article-by-slug while an editor saves a draft 5 times a second over HTTP. ' +
        'naive = a bare Fastify server with one prepared `SELECT … WHERE slug = ?` on the same database (bench/naive.ts), the reference of the `uncached-*` scenarios: ' +
        'the app with its response cache off (uncached-first-read: articles never read before, their documents built by the read; uncached-slug: random articles over the whole archive, each read once before). ' +
        'random-slug: random articles over the whole archive, cache on. Every scenario runs a warm-up pass as long as its measured pass.',
      '',
      `Run: ${tp.map((e) => `${e} ${t(r.engines[e]).date ?? r.engines[e].machine?.date}`).join(', ')}.`,
      '',
    );
    const names = [...new Set(tp.flatMap((e) => Object.keys(r.engines[e].scenarios)))];
    const cell = (f: Figure | undefined) => (f ? `${f.rps} | ${f.p50Ms} | ${f.p99Ms} | ${f.ratio}` : '– | – | – | –');
    if (tp.length === 1) {
      lines.push(`Engine: ${tp[0]}.`, '', '| scenario | req/s | p50 ms | p99 ms | ratio to reference |', '|---|---:|---:|---:|---:|');
    } else {
      lines.push(
        `| scenario | ${tp.map((e) => `${e} req/s | ${e} p50 ms | ${e} p99 ms | ${e} ratio`).join(' | ')} |`,
        `|---|${tp.map(() => '---:|---:|---:|---:').join('|')}|`,
      );
    }
    lines.push(...names.map((name) => `| ${name} | ${tp.map((e) => cell(r.engines[e].scenarios[name])).join(' | ')} |`), '');
    const saves = tp.filter((e) => r.engines[e].scenarios['slug-under-edits']?.writesPerSec !== undefined);
    if (saves.length > 0) lines.push(`Draft saves completed during slug-under-edits: ${saves.map((e) => `${e} ${r.engines[e].scenarios['slug-under-edits'].writesPerSec}/s`).join(', ')}.`, '');
  }
  const sc = withPart(r, 'scale');
  if (sc.length > 0) {
    const names = [...new Set(sc.flatMap((e) => Object.keys(r.engines[e].scale.sizes[0].latency)))];
    const points = sc.flatMap((e) => r.engines[e].scale.sizes.map((p: Results) => ({ ...p, engine: e }))).sort((a, b) => a.size - b.size || ENGINES.indexOf(a.engine) - ENGINES.indexOf(b.engine));
    lines.push(
      '## Scale (in-process through the whole app, response cache off, 500 requests each, 200 for search)',
      '',
      'Server RSS is the Node process serving random articles (on PostgreSQL, the database server’s own memory is not counted).',
      '',
      `Run: ${sc.map((e) => `${e} ${r.engines[e].scale.date ?? r.engines[e].machine?.date}`).join(', ')}.`,
      '',
      'Runs dated before 2026-12-03T12:00Z loaded their archives with an earlier loader that wrote rows directly; later runs load them with `cms import`’s own code.',
      '',
      'Import CPU s: CPU seconds spent during the import by the node process (on SQLite this includes SQLite itself), by the PostgreSQL backend(s) of the database (one transaction: one backend, whose CPU time is a floor for the import\'s wall time) and by the server\'s other processes (bench/import-cost.ts; – where not measured).',
      '',
      `| articles | engine | import s (cms import) | import CPU s: node / db backend / db other | db MB | server RSS MB | ${names.map((n) => `${n} p50 / p99 ms`).join(' | ')} |`,
      `|---:|---|---:|---|---:|---:|${names.map(() => '---:').join('|')}|`,
      ...points.map(
        (p) =>
          `| ${p.size} | ${p.engine} | ${p.loadSeconds} | ${cpuCell(p.loadCpu)} | ${p.dbMb} | ${p.rssMb} | ${names.map((n) => (p.latency[n] ? `${p.latency[n].p50Ms} / ${p.latency[n].p99Ms}` : '–')).join(' | ')} |`,
      ),
      '',
      ...points
        .filter((p) => p.searchIndexAloneSeconds !== undefined)
        .map((p) => `The search index alone at ${p.size} articles (${p.engine}; FTS5 as migrated, a new file, no journal, only its inserts and commit timed): ${p.searchIndexAloneSeconds} s against the import\'s ${p.loadSeconds} s.`),
      '',
      ...sc.map((e) => {
        const q = r.engines[e].scale.p50Ratio;
        return `${e}: p50 ratio ${q.to} / ${q.from}: ${names.filter((n) => q[n] !== undefined).map((n) => `${n} ${q[n]}`).join(', ')}.`;
      }),
      '',
      ...sitemapMarkdown(points),
    );
  }
  const hooked = ENGINES.filter((e) => r.engines?.[e]?.webhooks);
  if (hooked.length > 0) {
    lines.push(
      '## Webhooks: a receiver that never answers (bench/webhooks.ts)',
      '',
      'One server, the seed article; four webhooks (`*`) to a receiver on 127.0.0.1 that accepts and never answers, a backlog of pings holding the dispatcher’s deliveries open (each until the 10 s timeout). Rounds alternate without (webhooks disabled, nothing in flight) and with; req/s with 10 connections, the mean of the rounds.',
      '',
      '| engine | figure | without req/s | dead receiver req/s | ratio | rounds (without → with) |',
      '|---|---|---:|---:|---:|---|',
      ...hooked.flatMap((e) => {
        const w = r.engines[e].webhooks;
        return (['read', 'list', 'write'] as const).map((k) => `| ${e} | ${k} | ${w.figures[k].without} | ${w.figures[k].with} | ${w.figures[k].ratio} | ${w.figures[k].rounds.map((x: number[]) => `${x[0]} → ${x[1]}`).join(', ')} |`);
      }),
      '',
    );
  }
  lines.push(...targets(r));
  const analysis = path.join(ROOT, 'bench/analysis.md');
  if (fs.existsSync(analysis)) lines.push('', fs.readFileSync(analysis, 'utf8').trim());
  return `${lines.join('\n')}\n`;
}

/** The issue's targets, each marked met or missed (by how much) from the recorded figures, per engine. */
function targets(r: Results): string[] {
  const es = ENGINES.filter((e) => r.engines?.[e]?.scenarios || r.engines?.[e]?.scale);
  if (es.length === 0) return [];
  const rows: string[] = [];
  const check = (what: string, limit: number, atLeast: boolean, value: (e: EngineResults) => number | undefined) => {
    const values = es.map((e) => value(r.engines[e]));
    if (values.every((v) => v === undefined)) return;
    const verdict = (v: number | undefined) => {
      if (v === undefined) return '– | –';
      const met = atLeast ? v >= limit : v <= limit;
      return `${v} | ${met ? 'met' : `missed (${(atLeast ? limit / v : v / limit).toFixed(2)} × off)`}`;
    };
    rows.push(`| ${what} | ${atLeast ? '≥' : '≤'} ${limit} | ${values.map(verdict).join(' | ')} |`);
  };
  check('article-by-slug / ceiling', 0.8, true, (e) => e.scenarios?.['article-by-slug']?.ratio);
  check('random-slug (whole archive, cache on) / ceiling', 0.5, true, (e) => e.scenarios?.['random-slug']?.ratio);
  check('uncached-slug / naive', 0.5, true, (e) => e.scenarios?.['uncached-slug']?.ratio);
  check('uncached-section-page / naive', 0.25, true, (e) => e.scenarios?.['uncached-section-page']?.ratio);
  check('uncached-newest / naive', 0.25, true, (e) => e.scenarios?.['uncached-newest']?.ratio);
  check('section-page / ceiling', 0.5, true, (e) => e.scenarios?.['section-page']?.ratio);
  check('revalidate-304 / ceiling', 0.9, true, (e) => e.scenarios?.['revalidate-304']?.ratio);
  const sc = es.filter((e) => r.engines[e].scale);
  if (sc.length > 0) {
    const span = per(r, sc, (e) => `${e.scale!.p50Ratio.to} / ${e.scale!.p50Ratio.from}`);
    const names = [...new Set(sc.flatMap((e) => Object.keys(r.engines[e].scale.sizes[0].latency)))];
    // A run at one size has nothing to compare: no row rather than a trivial "1, met".
    const spanned = (e: EngineResults) => e.scale!.p50Ratio.to !== e.scale!.p50Ratio.from;
    for (const name of names) check(`${name} p50 ${span}`, 1.5, false, (e) => (e.scale && spanned(e) ? e.scale.p50Ratio[name] : undefined));
    const last = (e: EngineResults) => (e.scale && e.scale.sizes.at(-1).size >= 1_000_000 ? e.scale.sizes.at(-1) : undefined);
    check('cms import of 1 M articles (s)', 300, false, (e) => last(e)?.loadSeconds);
    check('database at 1 M articles (MB)', 10_000, false, (e) => last(e)?.dbMb);
    const largest = (e: EngineResults) => e.scale?.sizes.at(-1);
    for (const name of ['search', 'search-2-words', 'search-prefix']) {
      check(`${name} p50 at ${per(r, sc, (e) => largest(e)?.size)} (ms)`, 20, false, (e) => largest(e)?.latency?.[name]?.p50Ms);
      check(`${name} p99 at ${per(r, sc, (e) => largest(e)?.size)} (ms)`, 100, false, (e) => largest(e)?.latency?.[name]?.p99Ms);
    }
    check('server RSS at 1 M articles (MB)', 300, false, (e) => last(e)?.rssMb);
    check('sitemap 50,000-URL month file: first byte at 1 M articles (ms)', 100, false, (e) => last(e)?.sitemap?.ttfbMs);
    check('sitemap: server RSS peak − before at 1 M articles (MB)', 48, false, (e) => (last(e)?.sitemap ? last(e).sitemap.rssPeakMb - last(e).sitemap.rssBeforeMb : undefined));
  }
  check('slug-under-edits / ceiling', 0.8, true, (e) => e.scenarios?.['slug-under-edits']?.ratio);
  for (const k of ['read', 'list', 'write']) check(`article ${k} with a dead webhook receiver / without`, 0.9, true, (e) => e.webhooks?.figures?.[k]?.ratio);
  const table = rows.length
    ? ['## Targets', '', `| target | limit | ${es.map((e) => `${e} measured | ${e}`).join(' | ')} |`, `|---|---:|${es.map(() => '---:|---').join('|')}|`, ...rows]
    : [];
  return [...table, ...engineTargets(r)];
}

/**
 * PostgreSQL against SQLite (issue 11), from the figures of each engine's latest run: cached
 * reads (autocannon req/s) within 10 %, and uncached reads (the scale run's in-process p50 with
 * the response cache off, at its smallest size) at least half as fast.
 */
function engineTargets(r: Results): string[] {
  const lite = r.engines?.sqlite;
  const pg = r.engines?.postgres;
  if (!lite || !pg) return [];
  const rows: string[] = [];
  const row = (what: string, limit: number, value: number | undefined) => {
    if (value === undefined || !Number.isFinite(value)) return;
    const v = Number(value.toFixed(2));
    rows.push(`| ${what} | ≥ ${limit} | ${v} | ${v >= limit ? 'met' : `missed (${(limit / v).toFixed(2)} × off)`} |`);
  };
  for (const name of ['article-by-slug', 'section-page', 'deep-page', 'revalidate-304']) {
    const a = lite.scenarios?.[name]?.rps;
    const b = pg.scenarios?.[name]?.rps;
    if (a && b) row(`cached ${name}: PostgreSQL req/s ÷ SQLite req/s`, 0.9, b / a);
  }
  const first = (e: EngineResults) => e.scale?.sizes?.[0];
  const ls = first(lite);
  const ps = first(pg);
  if (ls && ps && ls.size === ps.size) {
    for (const name of ['article-by-slug', 'section-page']) {
      const a = ls.latency?.[name]?.p50Ms;
      const b = ps.latency?.[name]?.p50Ms;
      if (a && b) row(`uncached ${name} at ${ls.size}: SQLite p50 ÷ PostgreSQL p50`, 0.5, a / b);
    }
  }
  return rows.length ? ['', '## PostgreSQL against SQLite', '', '| target | limit | measured | verdict |', '|---|---:|---:|---|', ...rows] : [];
}
