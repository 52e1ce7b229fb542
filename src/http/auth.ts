// Bearer authentication for every request. It runs in onRequest, before validation, so the
// order of checks is: authentication (401), validation (400), existence (404), role (403).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { TokenRole } from '../db/schema.ts';
import type { Principal, TokenService } from '../modules/tokens/service.ts';
import { ForbiddenError, UnauthorizedError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;
const RANK: Record<TokenRole, number> = { writer: 1, editor: 2, admin: 3 };

export function requireToken(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError();
  return request.principal;
}

export function requireRole(request: FastifyRequest, role: TokenRole): Principal {
  const principal = requireToken(request);
  if (RANK[principal.role] < RANK[role]) throw new ForbiddenError(`This needs the ${role} role or higher.`);
  return principal;
}

export default fp(
  async function authPlugin(app: FastifyInstance, opts: { tokens: TokenService }) {
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization;
      if (header === undefined) return;
      const match = BEARER.exec(header);
      if (!match) throw new UnauthorizedError('The Authorization header must be `Bearer <token>`.');
      const principal = opts.tokens.authenticate(match[1]!);
      if (!principal) throw new UnauthorizedError('The token is unknown or revoked.');
      request.principal = principal;
    });
  },
  { name: 'auth' },
);
