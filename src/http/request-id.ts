// Every request has an id: the caller's `X-Request-Id` when it is a sane one, else a new UUID.
// Fastify puts it on each log line of the request (`reqId`); it is echoed in the
// `X-Request-Id` response header and in every problem body, so that a client's report leads to
// the log lines of its request, and a proxy's id carries through.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * What an incoming id may be: 1–128 visible ASCII characters (no spaces, no control
 * characters: it is written as it is into logs and a response header).
 */
const VALID_ID = /^[\x21-\x7e]{1,128}$/;
const MAX_ID_LENGTH = 128;

const ID = Symbol('requestId');
type Tagged = IncomingMessage & { [ID]?: string };

/** The request's id, decided once per request (Fastify's `genReqId`, and the server in front of it). */
export function requestIdOf(req: IncomingMessage): string {
  const tagged = req as Tagged;
  if (tagged[ID] !== undefined) return tagged[ID];
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && given.length <= MAX_ID_LENGTH && VALID_ID.test(given) ? given : randomUUID();
  tagged[ID] = id;
  return id;
}

/** Echoes the id on every response Fastify sends (problems set it again themselves). */
export default fp(
  async function requestIdPlugin(app: FastifyInstance) {
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      done();
    });
  },
  { name: 'request-id' },
);
