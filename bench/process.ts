// Starting the servers a bench measures: a free port, a child process, and a wait for its
// /health. Shared by run.ts, sitemap.ts and webhooks.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * The site's origin every bench server gets, as in production: the default
 * (http://localhost:PORT) would change with each server's port, and article documents are
 * rebuilt when it changes.
 */
export const SITE_URL = 'https://news.example.com';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `script` (from the project's root) on a free port; resolves once /health answers (30 s at most). */
export async function startProcess(
  script: string,
  env: Record<string, string>,
  opts: { stdout?: 'inherit' | 'ignore' } = {},
): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, CMS_SITE_URL: SITE_URL, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', opts.stdout ?? 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    try {
      await fetch(`${base}/health`);
      return { child, base };
    } catch {
      await sleep(100);
    }
  }
  child.kill('SIGKILL');
  throw new Error(`${script} did not start`);
}
