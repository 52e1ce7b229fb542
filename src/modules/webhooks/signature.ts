// Standard Webhooks signatures (https://www.standardwebhooks.com), made by the spec's reference
// implementation: `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, keyed with the
// secret's decoded bytes.
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new secret: `whsec_` + base64 of 32 random bytes. */
export function newSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64')}`;
}

/** The three Standard Webhooks headers for one request. */
export function signatureHeaders(secret: string, eventId: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(eventId, at, body),
  };
}
