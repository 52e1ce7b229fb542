// Request and problem helpers shared by the write-API tests.
import type { Test } from 'tap';
import type { Built } from './helper.ts';

export const PROBLEM = 'application/problem+json; charset=utf-8';

export interface Res {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json(): any;
}

export type Role = 'writer' | 'editor' | 'admin';
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A request through `inject`, with a token of `role` (editor by default; null for none) and a JSON body. */
export async function send(
  b: Built,
  method: Method,
  url: string,
  opts: { role?: Role | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Res> {
  const role = opts.role === undefined ? 'editor' : opts.role;
  const headers: Record<string, string> = { ...(role ? b.auth(role) : {}), ...opts.headers };
  if (opts.body !== undefined) {
    return b.app.inject({ method, url, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(opts.body) });
  }
  return b.app.inject({ method, url, headers });
}

/** Asserts a problem+json response with this status and returns its body. */
export function problem(t: Test, res: Res, status: number, what: string): any {
  t.equal(res.statusCode, status, `${what}: status ${status}`);
  t.equal(res.headers['content-type'], PROBLEM, `${what}: problem+json`);
  if (res.headers['content-type'] !== PROBLEM) {
    t.comment(`${what}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return { errors: [] };
  }
  const body = res.json();
  t.equal(body.status, status, `${what}: status in the body`);
  return body;
}

/** `in:path` of every field error of a problem, sorted. */
export function paths(problemBody: any): string[] {
  return ((problemBody.errors ?? []) as { in: string; path: string }[]).map((e) => `${e.in}:${e.path}`).sort();
}
