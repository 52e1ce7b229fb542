// `Idempotency-Key` on POST (per token, 24 h): the same key and request replay the first
// successful response (with `Idempotency-Replayed: true`) instead of acting twice; the same
// key with another request is 422; a key whose first request is still running is 409.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { BadRequestError, ConflictError, UnprocessableError } from './errors.ts';

/** A key's record: `statusCode` 0 while its first request is still running. */
export interface IdempotencyRecord {
  requestHash: string;
  statusCode: number;
  responseBody: string;
  responseHeaders: Record<string, string>;
  createdAt: number;
}

/** Where keys are kept (shared by every instance); the idempotency module provides it. */
export interface IdempotencyStore {
  find(tokenId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Reserves a key (status 0); false when it is already there. */
  reserve(tokenId: string, key: string, requestHash: string, at: number): Promise<boolean>;
  complete(tokenId: string, key: string, statusCode: number, responseBody: string, responseHeaders: Record<string, string>): Promise<void>;
  remove(tokenId: string, key: string): Promise<void>;
  purgeBefore(at: number): Promise<void>;
}

const TTL_MS = 24 * 60 * 60 * 1000;
// A reservation whose request never finished (a crash mid-request) is abandoned after this.
const STALE_RESERVATION_MS = 60 * 1000;
const KEY = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'];

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { tokenId: string; key: string } | null;
  }
}

export default fp(
  async function idempotencyPlugin(app: FastifyInstance, opts: { keys: IdempotencyStore; now: () => number }) {
    app.decorateRequest('idempotency', null);

    app.addHook('preHandler', async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (request.method !== 'POST' || key === undefined || !request.principal) return;
      if (typeof key !== 'string' || !KEY.test(key)) {
        throw new BadRequestError('Idempotency-Key must be 1–255 visible ASCII characters.', [
          { in: 'header', path: 'idempotency-key', message: 'Invalid Idempotency-Key' },
        ]);
      }
      const tokenId = request.principal.tokenId;
      const at = opts.now();
      const hash = createHash('sha256')
        .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
        .digest('hex');
      await opts.keys.purgeBefore(at - TTL_MS);
      let row = await opts.keys.find(tokenId, key);
      if (row && row.statusCode === 0 && at - row.createdAt > STALE_RESERVATION_MS) {
        await opts.keys.remove(tokenId, key);
        row = undefined;
      }
      if (row) {
        if (row.requestHash !== hash) {
          throw new UnprocessableError('This Idempotency-Key was used with a different request.', [
            { in: 'header', path: 'idempotency-key', message: 'Key reused with a different request' },
          ]);
        }
        if (row.statusCode === 0) throw new ConflictError('A request with this Idempotency-Key is still in progress.');
        reply.code(row.statusCode).headers(row.responseHeaders).header('idempotency-replayed', 'true');
        return reply.send(row.responseBody);
      }
      if (!(await opts.keys.reserve(tokenId, key, hash, at))) {
        throw new ConflictError('A request with this Idempotency-Key is still in progress.');
      }
      request.idempotency = { tokenId, key };
    });

    app.addHook('onSend', (request, reply, payload, done) => {
      const claim = request.idempotency;
      if (!claim) return done(null, payload);
      complete(claim, reply, payload).then(() => done(null, payload), (error: unknown) => done(error as Error));
    });

    async function complete(claim: { tokenId: string; key: string }, reply: FastifyReply, payload: unknown) {
      const request = reply.request;
      request.idempotency = null;
      if (reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string') {
        const headers: Record<string, string> = {};
        for (const name of REPLAYED_HEADERS) {
          const value = reply.getHeader(name);
          if (value !== undefined) headers[name] = String(value);
        }
        await opts.keys.complete(claim.tokenId, claim.key, reply.statusCode, payload, headers);
      } else {
        await opts.keys.remove(claim.tokenId, claim.key);
      }
    }
  },
  { name: 'idempotency', dependencies: ['auth'] },
);
