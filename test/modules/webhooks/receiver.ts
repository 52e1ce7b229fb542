// A webhook receiver on 127.0.0.1 for the tests: records every request, verifies each one's
// Standard Webhooks signature with the reference library, and answers as the test says.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Test } from 'tap';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
  /** The signature checked with the secret of the webhook it was sent for. */
  verified: boolean;
  at: number;
}

/** What to answer: a status (with headers), or 'hang' (never answer). */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  url: (path: string) => string;
  port: number;
  received: Received[];
  /** Secrets by path (set once the webhook exists). */
  secrets: Map<string, string>;
  /** Decides each answer (default 200). */
  answer: (request: Received, nth: number) => Answer;
  /** Resolves when `check` holds (polls), or fails the test after `ms`. */
  until: (check: () => boolean, ms?: number) => Promise<void>;
}

export async function receiver(t: Test): Promise<Receiver> {
  const hung = new Set<http.ServerResponse>();
  const r: Receiver = {
    url: (path) => `http://127.0.0.1:${r.port}${path}`,
    port: 0,
    received: [],
    secrets: new Map(),
    answer: () => ({ status: 200 }),
    async until(check, ms = 10_000) {
      const start = Date.now();
      while (!check()) {
        if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms; received ${r.received.length}: ${r.received.map((x) => `${x.path} ${x.json?.type}`).join(', ')}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      let verified = false;
      const secret = r.secrets.get(path);
      if (secret) {
        try {
          new Webhook(secret).verify(body, req.headers as Record<string, string>);
          verified = true;
        } catch {
          verified = false;
        }
      }
      let json: Received['json'];
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined as never;
      }
      const got: Received = { path, headers: req.headers, body, json, verified, at: Date.now() };
      r.received.push(got);
      const answer = r.answer(got, r.received.filter((x) => x.path === path).length);
      if (answer === 'hang') {
        hung.add(res);
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.port = (server.address() as AddressInfo).port;
  t.teardown(async () => {
    for (const res of hung) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return r;
}
