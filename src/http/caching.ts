// Conditional GETs and cache headers for every successful read:
// a strong ETag from the bytes sent, If-None-Match → 304, and Cache-Control that is public
// only for requests without a token (responses to a token are private, no-store); and the
// `Surrogate-Key` header from what the route says the response depends on (surrogate-keys.ts).
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { surrogateKeysOf } from './surrogate-keys.ts';

export function etagOf(payload: string | Buffer): string {
  return `"${createHash('sha1').update(payload).digest('base64url')}"`;
}

/** Weak comparison, as If-None-Match requires (RFC 9110 §13.1.2). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === bare);
}

/** Cache-Control for a read: public for anonymous requests, private otherwise. */
export function cacheControlFor(request: FastifyRequest, publicMaxAge: number): string {
  return request.principal ? 'private, no-store' : `public, max-age=${publicMaxAge}`;
}

export function notModified(reply: FastifyReply) {
  reply.code(304);
  reply.removeHeader('content-type');
  reply.removeHeader('content-length');
  return '';
}

export default fp(
  async function cachingPlugin(app: FastifyInstance, opts: { publicMaxAge: number }) {
    // Decorated here rather than by the response cache (which may be off): the header needs it.
    app.decorateRequest('cacheDeps', null);
    // Callback style: this runs on every response, and a promise per hook is measurable.
    app.addHook('onSend', (request, reply, payload, done) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return done(null, payload);
      reply.header('vary', 'Authorization');
      // Public routes name what they show (with or without a token, as a CDN may front either);
      // a route that names nothing (the preview, admin reads) gets no key. Set before the
      // response cache's onSend, which keeps it with the entry.
      if ((reply.statusCode === 200 || reply.statusCode === 206 || reply.statusCode === 304) && request.cacheDeps !== null && !reply.hasHeader('surrogate-key')) {
        const keys = surrogateKeysOf(request.cacheDeps);
        if (keys !== '') reply.header('surrogate-key', keys);
      }
      if (reply.statusCode !== 200) return done(null, payload);
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', cacheControlFor(request, opts.publicMaxAge));
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload); // streams set their own ETag
      const etag = (reply.getHeader('etag') as string | undefined) ?? etagOf(payload);
      reply.header('etag', etag);
      if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return done(null, notModified(reply));
      done(null, payload);
    });
  },
  { name: 'caching', dependencies: ['auth'] },
);
