// A cache of public GET responses (no Authorization header), so a hot article or section page
// is served from memory. Correctness first:
// - only anonymous requests are cached, and anonymous responses only ever hold public content;
// - each entry names the cache keys it was made from (`request.cacheDeps`: `article:<id>`,
//   `feed:<list>`, `author:<id>`, `image:<id>`; `public` when a route names none; and keys of
//   what it shows that no write names on its own, `section:<id>` and `tag:<slug>`: the same
//   list makes the `Surrogate-Key` header, surrogate-keys.ts), and every
//   write names the keys it changed (db.changed). A commit evicts exactly the entries that
//   depend on one of its keys: this process's commits at once, other processes' through the
//   change feed (the `changes` table, NOTIFY, Redis). A draft save evicts nothing public;
// - an entry made while a change arrived is not stored (it may predate the change);
// - an entry stops being valid when the next scheduled article becomes public (`nextPublicAt`),
//   so a scheduled publication shows at its time, not when the entry would have expired.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { LRUCache } from 'lru-cache';
import { ifNoneMatchHits } from './caching.ts';

interface Entry {
  /** The encoded body: a hit sends these bytes as they are (no string encoding per request). */
  payload: Buffer;
  headers: Record<string, string>;
  deps: string[];
  validUntil: number;
  /** The URL pattern of the route that made it (for metrics). */
  route: string;
}

const KEPT_HEADERS = ['content-type', 'etag', 'cache-control', 'link', 'vary', 'surrogate-key'];

/**
 * What the cache reports to whoever counts it (metrics.ts implements it; the cache knows no
 * metrics library).
 */
export interface ResponseCacheObserver {
  /**
   * A request answered from the cache, by the route that made the entry. `direct`: answered on
   * the Node server before Fastify saw it, so no Fastify hook counts or times that request.
   */
  hit(route: string, direct?: { method: string; statusCode: number; seconds: number }): void;
  /** A cacheable request (anonymous GET or HEAD) the cache could not answer. */
  miss(): void;
  /** An entry removed to make room (`capacity`), or because a change or a due publication made it stale. */
  evicted(reason: 'capacity' | 'invalidated'): void;
  /** Given once: reads the cache's current size (for gauges read when scraped). */
  measure(size: () => { entries: number; bytes: number; maxBytes: number }): void;
}

export interface ResponseCacheOptions {
  maxBytes: number;
  /** Most entries held (the cache is sized by what it holds as well as by bytes). */
  maxEntries?: number;
  now: () => number;
  /** The earliest time after `now` at which some article becomes public, or null. */
  nextPublicAt: (now: number) => Promise<number | null>;
  /** Calls back with the keys of every change committed (here or elsewhere). */
  subscribe: (listener: (keys: string[]) => void) => () => void;
  /** Applies changes committed elsewhere, when that can be done synchronously (SQLite). */
  checkNow: () => void;
  observer: ResponseCacheObserver;
}

declare module 'fastify' {
  interface FastifyRequest {
    cacheKey: string | null;
    /** The cache keys this response is made from (set by routes; `public` when unset). */
    cacheDeps: string[] | null;
    cacheEpoch: number;
  }
  interface FastifyInstance {
    /**
     * Answers a request from the cache straight on the Node server, before Fastify routes it;
     * false when the request is not a valid hit (Fastify then handles it as usual).
     */
    serveCached: (req: IncomingMessage, res: ServerResponse) => boolean;
  }
}

export default fp(
  async function responseCachePlugin(app: FastifyInstance, opts: ResponseCacheOptions) {
    const observer = opts.observer;
    /** url → entry; and key → urls of the entries that depend on it. */
    const byDep = new Map<string, Set<string>>();
    const cache = new LRUCache<string, Entry>({
      maxSize: opts.maxBytes,
      ...(opts.maxEntries ? { max: opts.maxEntries } : {}),
      sizeCalculation: (e) => e.payload.byteLength + 200,
      dispose: (entry, url, reason) => {
        if (reason === 'evict') observer.evicted('capacity');
        else if (reason === 'delete') observer.evicted('invalidated');
        for (const dep of entry.deps) {
          const urls = byDep.get(dep);
          urls?.delete(url);
          if (urls?.size === 0) byDep.delete(dep);
        }
      },
    });
    // Bumped by every change: a response whose request began before it is not stored.
    let epoch = 0;
    // Until when responses made now stay right (the next scheduled publication); null while
    // being looked up again after a change.
    let validUntil: number | null = null;
    let horizonEpoch = -1;
    const refreshHorizon = () => {
      const at = opts.now();
      const asked = epoch;
      opts.nextPublicAt(at).then(
        (t) => {
          if (asked !== epoch) return;
          validUntil = t ?? Number.POSITIVE_INFINITY;
          horizonEpoch = asked;
        },
        () => {},
      );
    };
    const invalidate = (keys: string[]) => {
      epoch++;
      validUntil = null;
      if (keys.includes('*')) cache.clear();
      else {
        for (const key of keys) {
          const urls = byDep.get(key);
          if (!urls) continue;
          for (const url of [...urls]) cache.delete(url);
        }
      }
      refreshHorizon();
    };
    const unsubscribe = opts.subscribe(invalidate);
    app.addHook('onClose', (_app, done) => {
      unsubscribe();
      done();
    });
    refreshHorizon();
    observer.measure(() => ({ entries: cache.size, bytes: cache.calculatedSize, maxBytes: opts.maxBytes }));

    app.decorateRequest('cacheKey', null);
    app.decorateRequest('cacheEpoch', 0);

    /** The entry that may answer this request: an anonymous GET/HEAD whose entry is still valid. */
    function hit(method: string | undefined, url: string | undefined, headers: IncomingMessage['headers']): Entry | undefined {
      if ((method !== 'GET' && method !== 'HEAD') || headers.authorization !== undefined || !url) return undefined;
      opts.checkNow();
      const entry = cache.get(url);
      if (!entry) return undefined;
      if (opts.now() < entry.validUntil) return entry;
      // A scheduled article has come due: every entry may be stale.
      invalidate(['*']);
      return undefined;
    }

    const notModified = (entry: Entry, headers: IncomingMessage['headers']) =>
      entry.headers.etag !== undefined && ifNoneMatchHits(headers['if-none-match'], entry.headers.etag);

    app.decorate('serveCached', (req: IncomingMessage, res: ServerResponse): boolean => {
      const started = performance.now();
      const entry = hit(req.method, req.url, req.headers);
      if (!entry) return false;
      if (notModified(entry, req.headers)) {
        const { 'content-type': _type, ...headers } = entry.headers;
        res.writeHead(304, { ...headers, 'x-cache': 'hit' });
        res.end();
      } else {
        res.writeHead(200, { ...entry.headers, 'x-cache': 'hit', 'content-length': entry.payload.byteLength });
        res.end(req.method === 'HEAD' ? undefined : entry.payload);
      }
      observer.hit(entry.route, { method: req.method!, statusCode: res.statusCode, seconds: (performance.now() - started) / 1000 });
      return true;
    });

    // Callback-style hooks: on the hot path a promise per hook is measurable.
    app.addHook('onRequest', (request, reply, done) => {
      // The same lookup as serveCached, for requests that reach Fastify without the server in
      // front (inject); a miss marks the request so that onSend stores its response.
      if ((request.method !== 'GET' && request.method !== 'HEAD') || request.headers.authorization !== undefined) return done();
      const entry = hit(request.method, request.url, request.headers);
      if (entry) {
        observer.hit(entry.route);
        reply.headers(entry.headers).header('x-cache', 'hit');
        // Revalidation of a cached entry: answer 304 without touching the body at all.
        if (notModified(entry, request.headers)) {
          reply.removeHeader('content-type');
          reply.code(304).send('');
          return;
        }
        reply.send(entry.payload);
        return;
      }
      observer.miss();
      request.cacheKey = request.url;
      request.cacheEpoch = epoch;
      done();
    });

    app.addHook('onSend', (request, reply, payload, done) => {
      if (request.cacheKey === null || reply.statusCode !== 200 || typeof payload !== 'string') return done(null, payload);
      if (request.cacheEpoch !== epoch || validUntil === null || horizonEpoch !== epoch) return done(null, payload);
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      const url = request.cacheKey;
      const deps = request.cacheDeps ?? ['public'];
      // A 200 always comes from a route, which has a URL pattern.
      cache.set(url, { payload: Buffer.from(payload), headers, deps, validUntil, route: request.routeOptions.url! });
      for (const dep of deps) {
        let urls = byDep.get(dep);
        if (!urls) byDep.set(dep, (urls = new Set()));
        urls.add(url);
      }
      done(null, payload);
    });
  },
  { name: 'response-cache', dependencies: ['caching'] },
);
