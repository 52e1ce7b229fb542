// API tokens: long random strings shown once, stored only as a sha256 hash.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import type { TokenRole } from '../../db/schema.ts';
import type { TokenRepository } from './repository.ts';
import type { Principal } from './roles.ts';

export type { Principal } from './roles.ts';

const TOKEN_PREFIX = 'cms_';
// lastUsedAt is written at most this often per token, so reads do not turn into writes.
const TOUCH_INTERVAL_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function createTokenService({ tokens, now = Date.now }: { tokens: TokenRepository; now?: () => number }) {
  return {
    async create(name: string, role: TokenRole): Promise<{ id: string; token: string }> {
      const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const id = uuidv7();
      await tokens.insert({ id, name, role, tokenHash: hashToken(token), createdAt: now() });
      return { id, token };
    },

    /** The principal for a presented token, or null when it is unknown or revoked. */
    async authenticate(token: string): Promise<Principal | null> {
      const hash = hashToken(token);
      const row = await tokens.findByHash(hash);
      if (!row || row.revokedAt !== null) return null;
      // The lookup is by hash; compare again in constant time so no timing reveals a near match.
      if (!timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), Buffer.from(hash, 'hex'))) return null;
      const at = now();
      if (row.lastUsedAt === null || at - row.lastUsedAt > TOUCH_INTERVAL_MS) await tokens.touch(row.id, at);
      return { tokenId: row.id, name: row.name, role: row.role };
    },

    async list() {
      return (await tokens.list()).map(({ tokenHash: _hash, ...rest }) => rest);
    },

    revoke(id: string): Promise<boolean> {
      return tokens.revoke(id, now());
    },

    async isEmpty(): Promise<boolean> {
      return (await tokens.count()) === 0;
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
