// `node --import tsx bench/webhooks.ts [--engine sqlite|postgres] [--seconds 10] [--rounds 2]`: article reads
// and writes with and without webhooks whose receiver never answers (issue 14: a dead receiver
// must leave the API within 10 % of its figures without webhooks).
//
// One server process (CMS_WEBHOOK_ALLOW_PRIVATE=1), the seed's published article. Each phase
// measures, with autocannon (10 connections): GET /v1/articles/{id}, GET /v1/articles, and
// PATCH /v1/articles/{id} (a change to a public article: an article.updated event per write
// once article events are written). Four webhooks (`*`) point at a receiver on 127.0.0.1 that
// accepts and never answers, with a backlog of 400 pings, so that while they are active the
// dispatcher holds its maximum of deliveries open (each waiting the 10 s timeout); "without"
// phases run with them disabled and nothing in flight.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { closeDatabase, openDatabase } from '../src/db/database.ts';
import { createTokenRepository } from '../src/modules/tokens/repository.ts';
import { createTokenService } from '../src/modules/tokens/service.ts';
import { createBenchDatabase, dropBenchDatabase } from './postgres.ts';
import { startProcess } from './process.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};
const engine = option('engine') ?? 'sqlite';
const seconds = Number(option('seconds') ?? 10);

const start = (env: Record<string, string>) => startProcess('src/server.ts', env, { stdout: process.env.BENCH_SERVER_LOG ? 'inherit' : 'ignore' });

async function run(opts: autocannon.Options) {
  const r = await autocannon({ connections: 10, duration: seconds, timeout: 30, ...opts });
  // PostgreSQL may answer 503 (Retry-After) when ten writers keep changing one article at
  // once: counted and reported, not a failure of the run.
  const codes = (r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const unavailable = codes['503']?.count ?? 0;
  if (r.errors || r.timeouts || r.non2xx > unavailable) {
    throw new Error(`${opts.title}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx (status codes: ${JSON.stringify((r as unknown as { statusCodeStats?: unknown }).statusCodeStats ?? {})})`);
  }
  if (unavailable > 0) console.log(`${opts.title}: ${unavailable} of ${r.requests.total} answered 503`);
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99 };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cms-bench-webhooks-'));
const url = engine === 'postgres' ? await createBenchDatabase(`webhooks_${process.pid}`) : path.join(work, 'bench.sqlite');
// A receiver that accepts every connection and never answers.
const held: http.ServerResponse[] = [];
const blackhole = http.createServer((_req, res) => void held.push(res));
await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
const sink = `http://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}/hook`;

const { child, base } = await start({ CMS_DB: url, CMS_MEDIA_DIR: path.join(work, 'media'), CMS_WEBHOOK_ALLOW_PRIVATE: '1', CMS_RATE_LIMIT_WRITES: '10000000' });
try {
  const db = await openDatabase(url, { pool: 1 });
  const tokens = createTokenService({ tokens: createTokenRepository(db) });
  const admin = (await tokens.create('bench-admin', 'admin')).token;
  await closeDatabase(db);
  const auth = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
  const list = (await (await fetch(`${base}/v1/articles`)).json()) as { data: { id: string }[] };
  const id = list.data[0]!.id;
  let edits = 0;
  const phase = async (duration = seconds) => ({
    read: await run({ title: 'read', url: `${base}/v1/articles/${id}`, duration }),
    list: await run({ title: 'list', url: `${base}/v1/articles`, duration }),
    // Each write changes the article (a new version, an event per active webhook).
    write: await run({
      title: 'write',
      url: base,
      duration,
      requests: [{ method: 'PATCH', path: `/v1/articles/${id}`, headers: auth, setupRequest: (req) => ({ ...req, body: JSON.stringify({ kicker: `Bench ${++edits}` }) }) }],
    }),
  });
  const hooks: string[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${base}/v1/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: sink, events: ['*'] }) });
    const hook = (await res.json()) as { id: string };
    hooks.push(hook.id);
    for (let p = 0; p < 100; p++) await fetch(`${base}/v1/webhooks/${hook.id}/test`, { method: 'POST', headers: { authorization: auth.authorization } });
  }
  const setStatus = async (status: 'active' | 'disabled') => {
    for (const h of hooks) await fetch(`${base}/v1/webhooks/${h}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ status }) });
  };
  // Rounds alternate without / with, so that drift in the machine's load falls on both.
  // "Without": the webhooks disabled and every held delivery timed out (nothing in flight).
  const rounds = Number(option('rounds') ?? 2);
  const figures: { without: Awaited<ReturnType<typeof phase>>[]; with: Awaited<ReturnType<typeof phase>>[] } = { without: [], with: [] };
  await setStatus('disabled');
  await sleep(11_000);
  await phase(Math.min(3, seconds)); // warm-up
  for (let r = 0; r < rounds; r++) {
    await setStatus('disabled');
    await sleep(11_000);
    figures.without.push(await phase());
    await setStatus('active');
    await sleep(1000);
    figures.with.push(await phase());
  }
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  console.log(`webhooks bench (${engine}, ${rounds} rounds of ${seconds} s per figure; ${held.length} deliveries held open by the receiver in all)`);
  console.log('| | without webhooks: req/s (p50/p99 ms) | dead receiver | change |');
  console.log('|---|---|---|---|');
  for (const k of ['read', 'list', 'write'] as const) {
    const a = { rps: mean(figures.without.map((f) => f[k].rps)), p50: mean(figures.without.map((f) => f[k].p50)), p99: mean(figures.without.map((f) => f[k].p99)) };
    const b = { rps: mean(figures.with.map((f) => f[k].rps)), p50: mean(figures.with.map((f) => f[k].p50)), p99: mean(figures.with.map((f) => f[k].p99)) };
    console.log(`| ${k} | ${a.rps} (${a.p50}/${a.p99}) | ${b.rps} (${b.p50}/${b.p99}) | ${(((b.rps - a.rps) / a.rps) * 100).toFixed(1)} % |`);
  }
  console.log(`rounds (req/s without → with): ${['read', 'list', 'write'].map((k) => `${k} ${figures.without.map((f, i) => `${f[k as 'read'].rps}→${figures.with[i]![k as 'read'].rps}`).join(', ')}`).join('; ')}`);
  // Kept in bench/results.json (per engine) and shown in results.md (re-rendered by run.ts).
  const resultsFile = path.join(ROOT, 'bench', 'results.json');
  const stored = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  stored.engines ??= {};
  stored.engines[engine] ??= {};
  const summary = Object.fromEntries(
    (['read', 'list', 'write'] as const).map((k) => {
      const a = mean(figures.without.map((f) => f[k].rps));
      const b = mean(figures.with.map((f) => f[k].rps));
      return [k, { without: a, with: b, ratio: Number((b / a).toFixed(3)), rounds: figures.without.map((f, i) => [f[k].rps, figures.with[i]![k].rps]) }];
    }),
  );
  stored.engines[engine].webhooks = { engine, date: new Date().toISOString(), seconds, rounds, heldOpen: held.length, figures: summary };
  fs.writeFileSync(resultsFile, `${JSON.stringify(stored, null, 2)}\n`);
  const render = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--render'], { cwd: ROOT, stdio: 'inherit' });
  await new Promise((r) => render.once('exit', r));
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  for (const res of held) res.destroy();
  blackhole.closeAllConnections();
  blackhole.close();
  if (engine === 'postgres') await dropBenchDatabase(url);
  fs.rmSync(work, { recursive: true, force: true });
}
