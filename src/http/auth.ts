// Bearer authentication for every request. It runs in onRequest, before validation, so the
// order of checks is: authentication (401), validation (400), existence (404), role (403).
// What a token is and how it is checked belong to the tokens module; this file only needs an
// `Authenticator` (wired in app.ts) and owns the roles that routes ask for.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from './errors.ts';

/** Roles from least to most powerful: each may do everything the ones before it may. */
export const ROLES = ['writer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who a valid token says the caller is. */
export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
}

export interface Authenticator {
  /** The principal for a presented bearer token, or null when it is unknown or revoked. */
  authenticate(token: string): Promise<Principal | null>;
}

export function hasRole(principal: Principal, role: Role): boolean {
  return ROLES.indexOf(principal.role) >= ROLES.indexOf(role);
}

/** 403 unless the principal's role is `role` or higher. */
export function requireRoleOf(principal: Principal, role: Role): void {
  if (!hasRole(principal, role)) throw new ForbiddenError(`This needs the ${role} role or higher; this token is a ${principal.role}.`);
}

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

export function requireRole(request: FastifyRequest, role: Role): Principal {
  const principal = requireToken(request);
  requireRoleOf(principal, role);
  return principal;
}

export default fp(
  async function authPlugin(app: FastifyInstance, opts: { authenticator: Authenticator; failures?: FailureLimiter }) {
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
      const principal = await opts.authenticator.authenticate(match[1]!);
      if (!principal) return refuse(request, 'The token is unknown or revoked.');
      request.principal = principal;
    };
  },
  { name: 'auth' },
);
