// Bearer authentication for every request. It runs in onRequest, before validation, so the
// order of checks is: authentication (401), validation (400), existence (404), role (403).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { TokenRole } from '../db/schema.ts';
import { type Principal, requireRoleOf } from '../modules/tokens/roles.ts';
import type { TokenService } from '../modules/tokens/service.ts';
import { TooManyRequestsError, UnauthorizedError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

type FailureLimiter = (
  request: FastifyRequest,
  options?: { increment?: boolean },
) => Promise<{ isAllowed: true } | { isAllowed: false; isExceeded: boolean; ttlInSeconds: number }>;

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

export function requireToken(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError();
  return request.principal;
}

export function requireRole(request: FastifyRequest, role: TokenRole): Principal {
  const principal = requireToken(request);
  requireRoleOf(principal, role);
  return principal;
}

export default fp(
  async function authPlugin(app: FastifyInstance, opts: { tokens: TokenService; failures?: FailureLimiter }) {
    app.decorateRequest('principal', null);
    // Failed authentication is rate-limited per client address (guessing tokens is futile
    // anyway at 256 bits, but a flood of bad tokens should not cost database lookups).
    const refuse = async (request: FastifyRequest, detail: string): Promise<never> => {
      const verdict = await opts.failures?.(request);
      if (verdict && !verdict.isAllowed && verdict.isExceeded) throw new TooManyRequestsError(verdict.ttlInSeconds, 'Too many failed authentications from this address.');
      throw new UnauthorizedError(detail);
    };
    app.addHook('onRequest', (request, _reply, done) => {
      // Most reads carry no token: answer those without a promise.
      if (request.headers.authorization === undefined) return done();
      authenticate(request).then(() => done(), done);
    });
    const authenticate = async (request: FastifyRequest) => {
      const header = request.headers.authorization!;
      const blocked = await opts.failures?.(request, { increment: false });
      if (blocked && !blocked.isAllowed && blocked.isExceeded) throw new TooManyRequestsError(blocked.ttlInSeconds, 'Too many failed authentications from this address.');
      const match = BEARER.exec(header);
      if (!match) return refuse(request, 'The Authorization header must be `Bearer <token>`.');
      const principal = await opts.tokens.authenticate(match[1]!);
      if (!principal) return refuse(request, 'The token is unknown or revoked.');
      request.principal = principal;
    };
  },
  { name: 'auth' },
);
