// A cache of public GET responses (no Authorization header), so a hot article or section page
// is served from memory. Correctness first:
// - only anonymous requests are cached, and anonymous responses only ever hold public content;
// - an entry is valid only for the database version it was made from: `dataVersion` changes
//   with every change this process makes (any code path) and every commit by another process
//   (the CLI), so no write can leave a stale entry behind;
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
  generation: string;
  validUntil: number;
}

const KEPT_HEADERS = ['content-type', 'etag', 'cache-control', 'link', 'vary'];

export interface ResponseCacheOptions {
  maxBytes: number;
  now: () => number;
  /** The earliest time after `now` at which some article becomes public, or null. */
  nextPublicAt: (now: number) => number | null;
  /** A value that changes whenever the database content changes. */
  dataVersion: () => string;
}

declare module 'fastify' {
  interface FastifyRequest {
    cacheKey: string | null;
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
    const cache = new LRUCache<string, Entry>({ maxSize: opts.maxBytes, sizeCalculation: (e) => e.payload.byteLength + 200 });
    let validUntil = -1;
    let validUntilGeneration = '';
    const generation = opts.dataVersion;

    /** Until when a response made now stays right (the next scheduled publication). */
    function horizon(gen: string, now: number): number {
      if (gen !== validUntilGeneration || now >= validUntil) {
        validUntil = opts.nextPublicAt(now) ?? Number.POSITIVE_INFINITY;
        validUntilGeneration = gen;
      }
      return validUntil;
    }

    app.decorateRequest('cacheKey', null);

    /** The entry that may answer this request: an anonymous GET/HEAD whose entry is still valid. */
    function hit(method: string | undefined, url: string | undefined, headers: IncomingMessage['headers']): Entry | undefined {
      if ((method !== 'GET' && method !== 'HEAD') || headers.authorization !== undefined || !url) return undefined;
      const entry = cache.get(url);
      if (!entry) return undefined;
      if (entry.generation === generation() && opts.now() < entry.validUntil) return entry;
      cache.delete(url);
      return undefined;
    }

    const notModified = (entry: Entry, headers: IncomingMessage['headers']) =>
      entry.headers.etag !== undefined && ifNoneMatchHits(headers['if-none-match'], entry.headers.etag);

    app.decorate('serveCached', (req: IncomingMessage, res: ServerResponse): boolean => {
      const entry = hit(req.method, req.url, req.headers);
      if (!entry) return false;
      if (notModified(entry, req.headers)) {
        const { 'content-type': _type, ...headers } = entry.headers;
        res.writeHead(304, { ...headers, 'x-cache': 'hit' });
        res.end();
        return true;
      }
      res.writeHead(200, { ...entry.headers, 'x-cache': 'hit', 'content-length': entry.payload.byteLength });
      res.end(req.method === 'HEAD' ? undefined : entry.payload);
      return true;
    });

    // Callback-style hooks: on the hot path a promise per hook is measurable.
    app.addHook('onRequest', (request, reply, done) => {
      // The same lookup as serveCached, for requests that reach Fastify without the server in
      // front (inject); a miss marks the request so that onSend stores its response.
      if ((request.method !== 'GET' && request.method !== 'HEAD') || request.headers.authorization !== undefined) return done();
      const entry = hit(request.method, request.url, request.headers);
      if (entry) {
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
      request.cacheKey = request.url;
      done();
    });

    app.addHook('onSend', (request, reply, payload, done) => {
      if (request.cacheKey === null || reply.statusCode !== 200 || typeof payload !== 'string') return done(null, payload);
      const gen = generation();
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      cache.set(request.cacheKey, { payload: Buffer.from(payload), headers, generation: gen, validUntil: horizon(gen, opts.now()) });
      done(null, payload);
    });
  },
  { name: 'response-cache', dependencies: ['caching'] },
);
