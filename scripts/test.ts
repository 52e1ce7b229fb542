// `npm test`: the whole tap suite, both engines, with the services it can reach.
//
// It probes Chromium, PostgreSQL and Redis first. In CI (`CI=true`, as `.ci/run` sets) all
// three are required and a missing one fails the run. Elsewhere (a newcomer's laptop) the
// parts that need a missing one are skipped, and the run says so plainly before and after,
// with the command that runs them. Arguments are passed on to tap (`npm test -- test/x.test.ts`).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { withClient } from './pg-admin.ts';

const CHROMIUM = process.env.CMS_TEST_CHROMIUM ?? '/usr/bin/chromium';
const PG_URL = process.env.CMS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.CMS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CI = process.env.CI === 'true' || process.env.CI === '1';

async function probePostgres(): Promise<string | null> {
  try {
    await withClient(PG_URL, (c) => c.query('select 1'), 3_000);
    return null;
  } catch (error) {
    return `no PostgreSQL at ${PG_URL.replace(/\/\/[^@]*@/, '//')} (${(error as Error).message || (error as { code?: string }).code})`;
  }
}

async function probeRedis(): Promise<string | null> {
  const u = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(3_000, () => done(`no Redis at ${REDIS_URL} (timeout)`));
    socket.once('error', (e) => done(`no Redis at ${REDIS_URL} (${(e as NodeJS.ErrnoException).code ?? e.message})`));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG') ? null : `Redis at ${REDIS_URL} did not answer PING`));
  });
}

function probeChromium(): string | null {
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}`;
  const r = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? null : `${CHROMIUM} --version failed`;
}

const [postgres, redis] = await Promise.all([probePostgres(), probeRedis()]);
const missing = { postgres, redis, chromium: probeChromium() };
const HOW: Record<keyof typeof missing, string> = {
  postgres: 'the PostgreSQL run of every test (test/postgres/) and the multi-instance tests: start PostgreSQL 15 on 127.0.0.1:5432 with trust auth for user postgres (or set CMS_TEST_PG_URL), then `npm test`',
  redis: 'the Redis rate-limit and broadcast tests: start Redis on 127.0.0.1:6379 (or set CMS_TEST_REDIS_URL), e.g. `redis-server --daemonize yes --port 6379 --save ""`, then `npm test`',
  chromium: 'the /docs browser test: `sudo apt-get install -y chromium` (Debian; or set CMS_TEST_CHROMIUM), then `npm test`',
};
const skippedParts = (Object.keys(missing) as (keyof typeof missing)[]).filter((k) => missing[k] !== null);

function report(stream: NodeJS.WriteStream) {
  if (skippedParts.length === 0) return;
  stream.write('\n==== Parts of the suite SKIPPED on this machine ====\n');
  for (const k of skippedParts) stream.write(`- ${missing[k]}: skipped ${HOW[k]}\n`);
  stream.write('(.ci/run requires all of them.)\n\n');
}

if (CI && skippedParts.length > 0) {
  process.stderr.write('CI=true: every part of the suite must run, but:\n');
  for (const k of skippedParts) process.stderr.write(`- ${missing[k]}\n`);
  process.exit(1);
}
report(process.stdout);

const env: NodeJS.ProcessEnv = { ...process.env };
for (const k of skippedParts) env[`CMS_TEST_SKIP_${k.toUpperCase()}`] = missing[k]!;
const args = process.argv.slice(2);
// The PostgreSQL code is only exercised when PostgreSQL runs: without it, coverage cannot
// reach the thresholds, and the run says so instead of failing on it.
if (missing.postgres) args.unshift('--allow-incomplete-coverage');
const tap = spawn('npx', ['tap', ...args], {
  stdio: 'inherit',
  env,
});
tap.on('exit', (code, signal) => {
  report(process.stdout);
  process.exit(code ?? (signal ? 1 : 0));
});
