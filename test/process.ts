// Helpers for tests that run the service as a real process and talk to it over a socket.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * The environment for a child process: this one's, without tap's coverage and loader settings
 * (NODE_V8_COVERAGE, NODE_OPTIONS, TAP*). A child running the sources through tsx would
 * otherwise report coverage for the same files transpiled differently, and merging that with
 * tap's makes covered lines look uncovered.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    if (key === 'NODE_V8_COVERAGE' || key === 'NODE_OPTIONS' || key.startsWith('_TAPJS') || key.startsWith('TAP')) delete env[key];
  }
  // tap's process tracking re-adds its loader to every child; this tells it to collect no
  // coverage there.
  env._TAPJS_PROCESSINFO_COVERAGE_ = '0';
  return env;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Running {
  child: ChildProcess;
  base: string;
  output: () => string;
  stop: () => Promise<void>;
  /** SIGKILL to the whole process group (npm and the node under it), as a power cut would. */
  kill: () => Promise<void>;
}

/** Runs `npm start` (as the README says) with the given environment; resolves once /health answers. */
export async function startServer(env: Record<string, string>, timeoutMs = 30_000): Promise<Running> {
  const port = await freePort();
  let out = '';
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: childEnv({ HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env }),
    detached: true, // its own process group, so stopping it also stops node under npm
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* stopped */
      }
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${out}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) {
        const kill = async () => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
          await exited;
        };
        return { child, base, output: () => out, stop, kill };
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  await stop();
  throw new Error(`server did not answer /health within ${timeoutMs} ms:\n${out}`);
}
