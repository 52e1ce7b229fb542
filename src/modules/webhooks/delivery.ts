// One delivery attempt: a POST of the stored body, signed, to the webhook's URL. No redirect is
// followed (a 3xx is a failure), the whole exchange is bounded by `timeoutMs`, and without
// `allowPrivate` the host is resolved and vetted again now and the socket connects to the very
// address vetted (the `lookup` option), so DNS cannot hand out another one in between.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { type Lookup, hostOf, vetUrl } from './ssrf.ts';

export interface DeliveryRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
  lookup?: Lookup;
}

export interface DeliveryResult {
  ok: boolean;
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
  /** False when retrying cannot help (the address is refused): the job fails at once. */
  retryable: boolean;
}

export async function deliver(req: DeliveryRequest): Promise<DeliveryResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(req.url);
  let pinned: LookupFunction | undefined;
  if (!req.allowPrivate) {
    const vetting = await vetUrl(url, req.lookup);
    // A refused address fails the delivery at once (retrying would ask the same DNS for the
    // same answer; the URL needs changing); a name that does not resolve may be passing.
    if (!vetting.ok) return { ok: false, responseStatus: null, error: vetting.reason, durationMs: elapsed(), retryable: !vetting.refused };
    const [{ address, family }] = vetting.addresses as [{ address: string; family: 4 | 6 }];
    // Node asks with `all: true` when it may try several families (autoSelectFamily).
    pinned = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      if (options?.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    }) as unknown as LookupFunction;
  }
  if (req.signal?.aborted) return { ok: false, responseStatus: null, error: 'Aborted (the server is stopping).', durationMs: elapsed(), retryable: true };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<DeliveryResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<DeliveryResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, durationMs: elapsed() });
    };
    const request = client.request(
      {
        method: 'POST',
        protocol: url.protocol,
        host: hostOf(url),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        // A fresh socket per request: a pooled one could have been opened to another address.
        agent: false,
        ...(pinned && { lookup: pinned }),
        ...(url.username && { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` }),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(req.body),
          'user-agent': 'newsroom-cms-webhooks',
          ...req.headers,
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        // Only the status matters; the body is not read.
        response.destroy();
        if (status >= 200 && status < 300) finish({ ok: true, responseStatus: status, error: null, retryable: true });
        else if (status >= 300 && status < 400) finish({ ok: false, responseStatus: status, error: `Redirect not followed (${status}${response.headers.location ? ` to ${response.headers.location}` : ''}).`, retryable: true });
        else finish({ ok: false, responseStatus: status, error: `HTTP ${status}`, retryable: true });
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, responseStatus: null, error: `No answer within ${req.timeoutMs / 1000} s.`, retryable: true });
      request.destroy();
    }, req.timeoutMs);
    const onAbort = () => {
      finish({ ok: false, responseStatus: null, error: 'Aborted (the server is stopping).', retryable: true });
      request.destroy();
    };
    req.signal?.addEventListener('abort', onAbort);
    request.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, responseStatus: null, error: `${err.code ?? 'Error'}: ${err.message}`.slice(0, 500), retryable: true }));
    request.end(req.body);
  });
}
