// Preview tokens: stateless and signed. A token is base64url(`<article id>.<expiry ms>`) + '.' +
// base64url(HMAC-SHA256 of that payload) under a server secret kept in `settings`
// (`preview_secret`), so any instance sharing the database checks any instance's token, and
// nothing is stored per link. A token names one article until one moment; it is no bearer
// token (auth.ts knows nothing of it), so it opens nothing but GET /v1/preview/{token}.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../../db/database.ts';
import { createPreviewRepository } from './repository.ts';
/** Separates these MACs from any other use the secret might ever get. */
const DOMAIN = 'newsroom-cms preview v1\n';

export interface PreviewClaim {
  articleId: string;
  expiresAt: number;
}

/**
 * The secret, made on first use: 32 random bytes inserted unless present, then read back, so
 * instances racing to make it all end with the one that was stored first.
 */
export function previewSecret(db: Database): () => Promise<Buffer> {
  const repository = createPreviewRepository(db);
  let secret: Promise<Buffer> | null = null;
  const load = async (): Promise<Buffer> => Buffer.from(await repository.secret(randomBytes(32).toString('base64url')), 'base64url');
  return () => {
    // A failed read is tried again next time rather than remembered.
    secret ??= load().catch((error: unknown) => {
      secret = null;
      throw error;
    });
    return secret;
  };
}

const mac = (secret: Buffer, payload: string) => createHmac('sha256', secret).update(DOMAIN + payload).digest();

export function signPreview(secret: Buffer, claim: PreviewClaim): string {
  const payload = `${claim.articleId}.${claim.expiresAt}`;
  return `${Buffer.from(payload).toString('base64url')}.${mac(secret, payload).toString('base64url')}`;
}

/** The claim of a token this secret signed, or null (malformed or altered); expiry is the caller's. */
export function verifyPreview(secret: Buffer, token: string): PreviewClaim | null {
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) return null;
  const payload = Buffer.from(parts[0]!, 'base64url').toString();
  const given = Buffer.from(parts[1]!, 'base64url');
  const expected = mac(secret, payload);
  // Constant time; the lengths are public (a SHA-256 MAC is always 32 bytes).
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  // Base64url has several spellings of the same bytes (trailing bits): only the one made here counts.
  if (Buffer.from(payload).toString('base64url') !== parts[0] || expected.toString('base64url') !== parts[1]) return null;
  const match = /^(.+)\.(\d{1,16})$/.exec(payload);
  if (!match) return null;
  return { articleId: match[1]!, expiresAt: Number(match[2]) };
}
