// `npm run bench` — read and write throughput against a ceiling measured in the same run.
// `npm run bench -- --quick`  every scenario for 3 s on a 10 k archive (default: 10 s on 100 k)
// `npm run bench -- --scale`  per-request cost at 10 k, 100 k and 1 M articles (`--sizes=10000,100000`)
// Prints tables and writes bench/results.md and bench/results.json.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { closeDatabase, openDatabase } from '../src/db/client.ts';
import { encodeCursor } from '../src/http/pagination.ts';
import { createTokenRepository } from '../src/modules/tokens/repository.ts';
import { createTokenService } from '../src/modules/tokens/service.ts';
import { buildDataset, type Dataset, rng } from './dataset.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const scale = args.has('--scale');
const sizesArg = process.argv.find((a) => a.startsWith('--sizes='));
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'cms-bench-'));
process.on('exit', () => fs.rmSync(WORK, { recursive: true, force: true }));

interface Figure {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  ratio: number;
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startProcess(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`${base}/health`);
      return { child, base };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${script} did not start`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function cannon(opts: autocannon.Options, expect = 200): Promise<Omit<Figure, 'ratio'>> {
  const result = await autocannon({ connections: 10, pipelining: 1, timeout: 30, ...opts });
  // Every response must have the expected status (a 304 scenario: all 304).
  const unexpected = expect === 200 ? result.non2xx : result.requests.total - ((result as unknown as { '3xx': number })['3xx'] ?? 0);
  if (result.errors > 0 || result.timeouts > 0 || unexpected > 0) {
    throw new Error(`${opts.title}: ${result.errors} errors, ${result.timeouts} timeouts, ${unexpected} responses not ${expect}`);
  }
  return { rps: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

/** The cursor that opens page `page` (1-based) of the newest-first public list. */
function cursorForPage(file: string, page: number, limit: number): { cursor: string; page: number } {
  const db = openDatabase(file);
  const total = (db.$client.prepare("select count(*) as n from article_feed where feed_key = 'all' and public_at <= ?").get(Date.now()) as { n: number }).n;
  const reachable = Math.min(page, Math.floor((total - 1) / limit));
  const row = db.$client
    .prepare("select public_at as v, article_id as id from article_feed where feed_key = 'all' and public_at <= ? order by public_at desc, article_id desc limit 1 offset ?")
    .get(Date.now(), (reachable - 1) * limit) as { v: number; id: string };
  closeDatabase(db);
  return { cursor: encodeCursor({ k: 'p', v: row.v, id: row.id }), page: reachable + 1 };
}

function editorToken(file: string): string {
  const db = openDatabase(file);
  const token = createTokenService({ tokens: createTokenRepository(db) }).create('bench', 'editor').token;
  closeDatabase(db);
  return token;
}

async function throughput(size: number, seconds: number) {
  const file = path.join(WORK, `throughput-${size}.sqlite`);
  console.log(`loading ${size} articles…`);
  const data = buildDataset(file, size);
  console.log(`loaded in ${(data.loadMs / 1000).toFixed(1)} s`);
  const token = editorToken(file);
  const server = await startProcess('src/server.ts', {
    CMS_DB: file,
    CMS_MEDIA_DIR: path.join(WORK, 'media'),
    CMS_SEED: '0',
    CMS_RATE_LIMIT_WRITES: '100000000',
  });
  try {
    const r = rng(7);
    const slugs = Array.from({ length: 2000 }, () => r.pick(data.slugs));
    const sample = await fetch(`${server.base}/v1/articles/slug/${slugs[0]}`);
    const body = Buffer.from(await sample.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'etag', 'cache-control', 'vary']) headers[name] = sample.headers.get(name) ?? '';
    fs.writeFileSync(path.join(WORK, 'body.json'), body);
    const ceilingServer = await startProcess('bench/ceiling.ts', { BODY_FILE: path.join(WORK, 'body.json'), HEADERS: JSON.stringify(headers) });
    const etags = new Map<string, string>();
    for (const slug of slugs.slice(0, 200)) etags.set(slug, (await fetch(`${server.base}/v1/articles/slug/${slug}`)).headers.get('etag')!);
    const deep = cursorForPage(file, 500, 20);
    const sectionRoots = data.rootSectionPaths;
    let duration = seconds;
    let n = 0;
    const scenarios: Record<string, () => Promise<Omit<Figure, 'ratio'>>> = {
      // Driven exactly like article-by-slug (a fresh random path per request), so the load
      // generator does the same work on both sides of the ratio.
      ceiling: () =>
        cannon({ title: 'ceiling', url: ceilingServer.base, duration, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles/slug/${slugs[n++ % slugs.length]}` }) }] }),
      'article-by-slug': () =>
        cannon({ title: 'slug', url: server.base, duration, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles/slug/${slugs[n++ % slugs.length]}` }) }] }),
      'section-page': () =>
        cannon({ title: 'section', url: server.base, duration, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles?section=${sectionRoots[n++ % sectionRoots.length]}&limit=20` }) }] }),
      'deep-page': () => cannon({ title: 'deep', url: `${server.base}/v1/articles?limit=20&cursor=${deep.cursor}`, duration }),
      'revalidate-304': () =>
        cannon({
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
        }, 304),
      'create-article': () =>
        cannon({
          title: 'create',
          url: `${server.base}/v1/articles`,
          duration,
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            headline: 'Benchmark article',
            sectionId: undefined,
            body: [{ type: 'paragraph', text: 'x '.repeat(400) }],
          }),
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
    const sectionIds = ((await (await fetch(`${server.base}/v1/sections?limit=100`)).json()) as { data: { id: string }[] }).data.map((s) => s.id);
    const out: Record<string, Figure> = {};
    let ceilingRps = 0;
    for (const [name, run] of Object.entries(scenarios)) {
      duration = Math.min(2, seconds); // warm-up pass (short, not reported)
      await run();
      duration = seconds;
      const figure = await run();
      if (name === 'ceiling') ceilingRps = figure.rps;
      out[name] = { ...figure, ratio: Number((figure.rps / ceilingRps).toFixed(3)) };
      console.log(`${name.padEnd(16)} ${String(figure.rps).padStart(7)} req/s  p50 ${figure.p50Ms} ms  p99 ${figure.p99Ms} ms  ratio ${out[name]!.ratio}`);
    }
    await stop(ceilingServer.child);
    return { size, loadMs: data.loadMs, deepPage: deep.page, bodyBytes: body.length, scenarios: out };
  } finally {
    await stop(server.child);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function scaleAt(size: number) {
  const file = path.join(WORK, `scale-${size}.sqlite`);
  console.log(`scale: loading ${size} articles…`);
  const data: Dataset = buildDataset(file, size);
  const bytes = ['', '-wal'].reduce((sum, s) => sum + (fs.existsSync(file + s) ? fs.statSync(file + s).size : 0), 0);
  console.log(`  loaded in ${(data.loadMs / 1000).toFixed(1)} s, ${(bytes / 1e6).toFixed(0)} MB`);

  // Server RSS while serving: the real server under a short load of random article reads.
  const server = await startProcess('src/server.ts', { CMS_DB: file, CMS_MEDIA_DIR: path.join(WORK, 'media'), CMS_SEED: '0' });
  let k = 0;
  await cannon({ title: 'rss', url: server.base, duration: 3, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/articles/slug/${data.slugs[(k++ * 7919) % data.slugs.length]}` }) }] });
  const rss = rssMb(server.child.pid!);
  await stop(server.child);

  // In-process latencies through the whole app (inject), response cache off: the real cost.
  const db = openDatabase(file);
  const app = await buildApp({ config: loadConfig({}, { CMS_DB: file, CMS_MEDIA_DIR: path.join(WORK, 'media'), CMS_RESPONSE_CACHE_BYTES: 0 }), db, logger: false });
  await app.ready();
  const r = rng(11);
  const deep = cursorForPage(file, Math.min(500, Math.floor(size / 40)), 20);
  const cases: Record<string, () => string> = {
    'article-by-slug': () => `/v1/articles/slug/${r.pick(data.slugs)}`,
    'section-page': () => `/v1/articles?section=${r.pick(data.rootSectionPaths)}&limit=20`,
    'deep-page': () => `/v1/articles?limit=20&cursor=${deep.cursor}`,
    'tag-page': () => `/v1/articles?tag=${r.pick(data.tagSlugs)}&limit=20`,
  };
  const out: Record<string, { p50Ms: number; p99Ms: number }> = {};
  for (const [name, url] of Object.entries(cases)) {
    for (let i = 0; i < 50; i++) await app.inject({ url: url() });
    const times: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now();
      const res = await app.inject({ url: url() });
      times.push(performance.now() - t0);
      if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode}`);
    }
    times.sort((a, b) => a - b);
    out[name] = { p50Ms: Number(percentile(times, 50).toFixed(3)), p99Ms: Number(percentile(times, 99).toFixed(3)) };
    console.log(`  ${name.padEnd(16)} p50 ${out[name]!.p50Ms} ms  p99 ${out[name]!.p99Ms} ms`);
  }
  await app.close();
  closeDatabase(db);
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}-wal`, { force: true });
  fs.rmSync(`${file}-shm`, { force: true });
  return { size, loadSeconds: Number((data.loadMs / 1000).toFixed(1)), dbMb: Math.round(bytes / 1e6), rssMb: Math.round(rss), deepPage: deep.page, latency: out };
}

const resultsFile = path.join(ROOT, 'bench/results.json');
const previous = fs.existsSync(resultsFile) ? (JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Record<string, unknown>) : {};
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
const results: Record<string, any> = { ...previous, machine };

if (args.has('--render')) {
  // Only re-render bench/results.md from bench/results.json.
  Object.assign(results, { machine: previous.machine ?? machine });
} else if (scale) {
  const sizes = sizesArg ? sizesArg.slice('--sizes='.length).split(',').map(Number) : [10_000, 100_000, 1_000_000];
  const points = [];
  for (const size of sizes) points.push(await scaleAt(size));
  const first = points[0]!;
  const last = points.at(-1)!;
  const ratios = Object.fromEntries(
    Object.keys(first.latency).map((name) => [name, Number((last.latency[name]!.p50Ms / first.latency[name]!.p50Ms).toFixed(2))]),
  );
  results.scale = { sizes: points, p50Ratio: { from: first.size, to: last.size, ...ratios } };
  console.log(`p50 ratio ${last.size}/${first.size}:`, ratios);
} else {
  const size = quick ? 10_000 : 100_000;
  const t = await throughput(size, quick ? 3 : 10);
  results.throughput = { size, seconds: quick ? 3 : 10, loadSeconds: Number((t.loadMs / 1000).toFixed(1)), deepPage: t.deepPage, bodyBytes: t.bodyBytes };
  results.scenarios = t.scenarios;
}
fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
fs.writeFileSync(path.join(ROOT, 'bench/results.md'), renderMarkdown(results));
console.log('wrote bench/results.json and bench/results.md');

function renderMarkdown(r: Record<string, any>): string {
  const lines = [
    '# Benchmark results',
    '',
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGb} GiB; Node ${r.machine.node}; written ${r.machine.date}.`,
    'Absolute figures drift on this shared machine; the ratios to the ceiling, measured in the same run, are the figures to compare.',
    '',
  ];
  if (r.scenarios) {
    lines.push(
      `## Throughput (${r.throughput.size} articles, ${r.throughput.seconds} s per scenario, 10 connections, autocannon over loopback)`,
      '',
      `The ceiling is a bare Fastify 5 server sending the same ${r.throughput.bodyBytes}-byte article response from memory, driven with the same random article paths. Deep page = page ${r.throughput.deepPage} of 20 via cursor.`,
      '',
      '| scenario | req/s | p50 ms | p99 ms | ratio to ceiling |',
      '|---|---:|---:|---:|---:|',
      ...Object.entries<Figure>(r.scenarios).map(([name, f]) => `| ${name} | ${f.rps} | ${f.p50Ms} | ${f.p99Ms} | ${f.ratio} |`),
      '',
    );
  }
  if (r.scale) {
    const names = Object.keys(r.scale.sizes[0].latency);
    lines.push(
      '## Scale (in-process through the whole app, response cache off, 500 requests each)',
      '',
      `| articles | bulk load s | db MB | server RSS MB | ${names.map((n) => `${n} p50 / p99 ms`).join(' | ')} |`,
      `|---:|---:|---:|---:|${names.map(() => '---:').join('|')}|`,
      ...r.scale.sizes.map(
        (p: any) => `| ${p.size} | ${p.loadSeconds} | ${p.dbMb} | ${p.rssMb} | ${names.map((n) => `${p.latency[n].p50Ms} / ${p.latency[n].p99Ms}`).join(' | ')} |`,
      ),
      '',
      `p50 ratio ${r.scale.p50Ratio.to} / ${r.scale.p50Ratio.from}: ${names.map((n) => `${n} ${r.scale.p50Ratio[n]}`).join(', ')}.`,
      '',
    );
  }
  lines.push(...targets(r));
  const analysis = path.join(ROOT, 'bench/analysis.md');
  if (fs.existsSync(analysis)) lines.push('', fs.readFileSync(analysis, 'utf8').trim());
  return `${lines.join('\n')}\n`;
}

/** The issue's targets, each marked met or missed (by how much) from the recorded figures. */
function targets(r: Record<string, any>): string[] {
  const rows: string[] = [];
  const check = (what: string, value: number | undefined, limit: number, atLeast: boolean) => {
    if (value === undefined) return;
    const met = atLeast ? value >= limit : value <= limit;
    rows.push(`| ${what} | ${atLeast ? '≥' : '≤'} ${limit} | ${value} | ${met ? 'met' : `missed (${(atLeast ? limit / value : value / limit).toFixed(2)} × off)`} |`);
  };
  check('article-by-slug / ceiling', r.scenarios?.['article-by-slug']?.ratio, 0.8, true);
  check('section-page / ceiling', r.scenarios?.['section-page']?.ratio, 0.5, true);
  check('revalidate-304 / ceiling', r.scenarios?.['revalidate-304']?.ratio, 0.9, true);
  if (r.scale) {
    const last = r.scale.sizes.at(-1);
    for (const name of Object.keys(r.scale.sizes[0].latency)) check(`${name} p50 ${r.scale.p50Ratio.to} / ${r.scale.p50Ratio.from}`, r.scale.p50Ratio[name], 1.5, false);
    if (last.size >= 1_000_000) {
      check(`bulk load of ${last.size} articles (s)`, last.loadSeconds, 300, false);
      check(`server RSS at ${last.size} articles (MB)`, last.rssMb, 300, false);
    }
  }
  return rows.length ? ['## Targets', '', '| target | limit | measured | |', '|---|---:|---:|---|', ...rows] : [];
}
