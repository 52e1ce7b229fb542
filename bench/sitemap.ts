// The sitemap figure: a 50,000-URL month file over HTTP from the real server, on an archive of
// any size. A month of 50,000 articles (January 2000, before the generated archive's ten years)
// is added to the archive, copies of its published articles (same bodies, so rows of the same
// size; their `all` feed rows too, which the sitemap index reads), then the server is started
// and asked for:
// - the sitemap index, once (its first read is a pass over every public article; the response
//   cache then holds it until a public change): `indexMs`;
// - the month file, once to warm up, then `runs` times: time to the first body byte and to the
//   last (median and max), bytes and URLs counted as they arrive (never held whole);
// - the server's RSS before the month file requests, the peak while they run (sampled every
//   10 ms) and after: a streamed file leaves it flat whatever its size;
// - the same URL with If-None-Match (304, read from indexes only) and the news sitemap.
//
// Run by `npm run bench -- --scale` at each size (bench/run.ts), or alone on an archive:
//   node --import tsx bench/sitemap.ts <sqlite file | postgres:// URL>
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { closeDatabase, openDatabase } from '../src/db/database.ts';
import { startProcess } from './process.ts';

/** The added month: 50,000 articles first published in January 2000. */
export const SITEMAP_MONTH = '2000-01';
const FROM = Date.UTC(2000, 0, 1);
const URLS = 50_000;

export interface SitemapFigure {
  urls: number;
  bytes: number;
  /** Time to the first body byte and to the last, median of the measured runs (ms). */
  ttfbMs: number;
  totalMs: number;
  ttfbMaxMs: number;
  totalMaxMs: number;
  /** The first request after the server started (cold caches). */
  coldTtfbMs: number;
  coldTotalMs: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  notModifiedMs: number;
  newsMs: number;
  /** The sitemap index's first (uncached) read: a pass over every public article. */
  indexMs: number;
  indexEntries: number;
  runs: number;
}

/** Adds the month's 50,000 articles (copies of published ones) unless they are there already. */
async function addMonth(url: string): Promise<void> {
  const db = await openDatabase(url, { pool: 2 });
  try {
    const { articles, articleFeed } = db.tables;
    const [have] = await db.dialect.all<{ n: unknown }>(db.q, sql`select count(*) as n from articles where slug like 'sitemap-bench-%'`);
    if (Number(have!.n) >= URLS) return;
    let last = 0;
    for (let i = 0; i < URLS; ) {
      const sources = await db.q
        .select({ seq: articles.seq, headline: articles.headline, summary: articles.summary, body: articles.body, sectionId: articles.sectionId, leadImageId: articles.leadImageId })
        .from(articles)
        .where(and(eq(articles.status, 'published'), gt(articles.seq, last)))
        .orderBy(asc(articles.seq))
        .limit(Math.min(500, URLS - i));
      if (sources.length === 0) {
        if (last === 0) throw new Error('the archive has no published article to copy');
        last = 0; // a small archive: copy its articles again
        continue;
      }
      last = sources.at(-1)!.seq;
      const rows = sources.map((s, k) => {
        const at = FROM + (i + k) * 50; // 50 ms apart: 42 minutes for the 50,000
        return {
          id: uuidv7(),
          slug: `sitemap-bench-${i + k}`,
          headline: s.headline,
          summary: s.summary,
          body: s.body,
          status: 'published' as const,
          sectionId: s.sectionId,
          leadImageId: s.leadImageId,
          publishedAt: at,
          firstPublishedAt: at,
          createdAt: at,
          updatedAt: at + 60_000,
        };
      });
      await db.transaction(async () => {
        for (let c = 0; c < rows.length; c += 100) await db.q.insert(articles).values(rows.slice(c, c + 100));
        await db.q.insert(articleFeed).values(rows.map((r) => ({ feedKey: 'all', articleId: r.id, publicAt: r.publishedAt, publishedSort: r.publishedAt, updatedAt: r.updatedAt })));
      });
      i += rows.length;
    }
  } finally {
    await closeDatabase(db);
  }
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

function startServer(url: string, mediaDir: string): Promise<{ child: ChildProcess; base: string }> {
  return startProcess('src/server.ts', { CMS_DB: url, CMS_MEDIA_DIR: mediaDir, CMS_SEED: '0' });
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Fetched {
  status: number;
  etag: string | undefined;
  ttfbMs: number;
  totalMs: number;
  bytes: number;
  urls: number;
  complete: boolean;
}

/** One GET, timed to its first body byte and its last; `<url>` entries counted as they arrive. */
function timedGet(url: string, headers: Record<string, string> = {}): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { headers, agent: false }, (res) => {
      let ttfb = -1;
      let bytes = 0;
      let urls = 0;
      // What may begin an entry's closing tag cut by a chunk's end; the document's last characters.
      let carry = '';
      let end = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (ttfb < 0) ttfb = performance.now() - t0;
        bytes += Buffer.byteLength(chunk);
        const text = carry + chunk;
        urls += text.split('</url>').length - 1;
        const after = text.lastIndexOf('</url>');
        carry = (after < 0 ? text : text.slice(after + 6)).slice(-5);
        end = (end + chunk).slice(-16);
      });
      res.on('end', () => {
        const totalMs = performance.now() - t0;
        resolve({ status: res.statusCode!, etag: res.headers.etag, ttfbMs: ttfb < 0 ? totalMs : ttfb, totalMs, bytes, urls, complete: end.includes('</urlset>') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** Adds the month to the archive at `url`, starts a server on it and measures (see the header). */
export async function measureSitemap(url: string, opts: { mediaDir: string; runs?: number; log?: (line: string) => void }): Promise<SitemapFigure> {
  const log = opts.log ?? (() => {});
  const runs = opts.runs ?? 5;
  const added = performance.now();
  await addMonth(url);
  log(`sitemap: ${URLS} articles in ${SITEMAP_MONTH} ready in ${((performance.now() - added) / 1000).toFixed(1)} s`);
  const { child, base } = await startServer(url, opts.mediaDir);
  try {
    const pid = child.pid!;
    const index = await timedGet(`${base}/v1/sitemaps/index.xml`);
    const indexBody = await (await fetch(`${base}/v1/sitemaps/index.xml`)).text();
    if (index.status !== 200 || !indexBody.includes(`/v1/sitemaps/articles/${SITEMAP_MONTH}.xml<`)) throw new Error(`sitemap index: ${index.status}, ${SITEMAP_MONTH} not listed`);
    const monthUrl = `${base}/v1/sitemaps/articles/${SITEMAP_MONTH}.xml`;
    const check = (f: Fetched) => {
      if (f.status !== 200 || f.urls !== URLS || !f.complete) throw new Error(`sitemap ${SITEMAP_MONTH}: status ${f.status}, ${f.urls} URLs (expected ${URLS})${f.complete ? '' : ', cut short'}`);
      return f;
    };
    const rssBefore = rssMb(pid);
    let peak = rssBefore;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssMb(pid));
      } catch {
        // The server has exited; the request will fail and say so.
      }
    }, 10);
    let cold: Fetched;
    const measured: Fetched[] = [];
    try {
      cold = check(await timedGet(monthUrl));
      for (let i = 0; i < runs; i++) measured.push(check(await timedGet(monthUrl)));
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssMb(pid));
    const rssAfter = rssMb(pid);
    const revalidated = await timedGet(monthUrl, { 'if-none-match': measured.at(-1)!.etag! });
    if (revalidated.status !== 304) throw new Error(`sitemap ${SITEMAP_MONTH} with If-None-Match: ${revalidated.status}`);
    const newsFetch = await timedGet(`${base}/v1/sitemaps/news.xml`);
    if (newsFetch.status !== 200) throw new Error(`news sitemap: ${newsFetch.status}`);
    const figure: SitemapFigure = {
      urls: measured[0]!.urls,
      bytes: measured[0]!.bytes,
      ttfbMs: round(median(measured.map((m) => m.ttfbMs))),
      totalMs: round(median(measured.map((m) => m.totalMs))),
      ttfbMaxMs: round(Math.max(...measured.map((m) => m.ttfbMs))),
      totalMaxMs: round(Math.max(...measured.map((m) => m.totalMs))),
      coldTtfbMs: round(cold.ttfbMs),
      coldTotalMs: round(cold.totalMs),
      rssBeforeMb: Math.round(rssBefore),
      rssPeakMb: Math.round(peak),
      rssAfterMb: Math.round(rssAfter),
      notModifiedMs: round(revalidated.totalMs),
      newsMs: round(newsFetch.totalMs),
      indexMs: round(index.totalMs),
      indexEntries: indexBody.split('<sitemap>').length - 1,
      runs,
    };
    log(
      `sitemap: ${figure.urls} URLs (${(figure.bytes / 1e6).toFixed(1)} MB): first byte ${figure.ttfbMs} ms (max ${figure.ttfbMaxMs}, cold ${figure.coldTtfbMs}), ` +
        `all ${figure.totalMs} ms (max ${figure.totalMaxMs}, cold ${figure.coldTotalMs}); RSS ${figure.rssBeforeMb} → peak ${figure.rssPeakMb} → ${figure.rssAfterMb} MB; ` +
        `304 ${figure.notModifiedMs} ms; news ${figure.newsMs} ms; index (${figure.indexEntries} entries, uncached) ${figure.indexMs} ms`,
    );
    return figure;
  } finally {
    await stopServer(child);
  }
}

/** The sitemap section of results.md, from the scale run's points (those that have the figure). */
export function sitemapMarkdown(points: { engine: string; size: number; sitemap?: SitemapFigure }[]): string[] {
  const rows = points.filter((p) => p.sitemap);
  if (rows.length === 0) return [];
  const first = (engine: string) => rows.find((p) => p.engine === engine)!;
  return [
    `## Sitemap (a ${URLS.toLocaleString('en')}-URL month file over HTTP, bench/sitemap.ts)`,
    '',
    `A month of ${URLS.toLocaleString('en')} articles (copies of the archive's, same bodies) added to each scale archive; the real server, one request at a time. ` +
      'First byte and all: median of the measured runs (max in brackets); cold: the first request after the server started. ' +
      'RSS: the server process before the month file requests, its peak while they ran (sampled every 10 ms) and after. ' +
      'Index: the sitemap index’s first read (a pass over every public article; the response cache then holds it until a public change).',
    '',
    '| articles | engine | URLs | MB | first byte ms | all ms | cold first byte / all ms | RSS before / peak / after MB | 304 ms | news ms | index ms (entries) |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(({ engine, size, sitemap: s }) =>
      `| ${size} | ${engine} | ${s!.urls} | ${(s!.bytes / 1e6).toFixed(1)} | ${s!.ttfbMs} (${s!.ttfbMaxMs}) | ${s!.totalMs} (${s!.totalMaxMs}) | ${s!.coldTtfbMs} / ${s!.coldTotalMs} | ${s!.rssBeforeMb} / ${s!.rssPeakMb} / ${s!.rssAfterMb} | ${s!.notModifiedMs} | ${s!.newsMs} | ${s!.indexMs} (${s!.indexEntries}) |`,
    ),
    '',
    ...[...new Set(rows.map((p) => p.engine))].map((engine) => {
      const a = first(engine);
      const z = rows.filter((p) => p.engine === engine).at(-1)!;
      return `${engine}: ${z.size} / ${a.size} articles: first byte × ${(z.sitemap!.ttfbMs / a.sitemap!.ttfbMs).toFixed(2)}, all × ${(z.sitemap!.totalMs / a.sitemap!.totalMs).toFixed(2)}, RSS peak − before ${a.sitemap!.rssPeakMb - a.sitemap!.rssBeforeMb} → ${z.sitemap!.rssPeakMb - z.sitemap!.rssBeforeMb} MB.`;
    }),
    '',
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: node --import tsx bench/sitemap.ts <sqlite file | postgres:// URL>');
    process.exit(2);
  }
  const media = fs.mkdtempSync(path.join(os.tmpdir(), 'cms-sitemap-bench-'));
  try {
    console.log(JSON.stringify(await measureSitemap(target, { mediaDir: media, log: console.log }), null, 2));
  } finally {
    fs.rmSync(media, { recursive: true, force: true });
  }
}
