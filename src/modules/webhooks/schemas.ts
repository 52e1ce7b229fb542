// Webhook administration: request and response schemas.
import { z } from 'zod';
import { timestamp } from '../../http/common-schemas.ts';
import { cursorParam, limitParam, pageOf } from '../../http/pagination.ts';
import { EVENT_TYPES } from '../events/outbox.ts';

export const urlInput = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'Must be an absolute http or https URL')
  .meta({ format: 'uri', description: 'Where events are POSTed (http or https; public addresses only unless CMS_WEBHOOK_ALLOW_PRIVATE)' });

export const eventsInput = z
  .array(z.enum([...EVENT_TYPES, '*']))
  .min(1)
  .max(EVENT_TYPES.length)
  .refine((list) => !list.includes('*') || list.length === 1, '`*` stands alone (every event)')
  .refine((list) => new Set(list).size === list.length, 'Each event at most once')
  .describe(
    'The event types sent, or `["*"]` for every one. `import.completed` is sent once per `cms import` that stored anything (`data`: `{ counts: { <kind>: { inserted, updated } }, surrogateKeys: ["articles"] }`), never one event per imported article; `GET /v1/sync` lists the imported public articles.',
  );

export const description = z.string().max(500).nullable().describe('A note for people (at most 500 characters)');

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    status: z.enum(['active', 'disabled']).describe('A disabled webhook receives nothing; its pending deliveries wait until it is active again'),
    createdAt: timestamp,
  })
  .meta({ id: 'Webhook', description: 'A webhook subscription (never its secret)' });

export const WebhookCreatedSchema = WebhookSchema.extend({
  secret: z.string().describe('`whsec_` + base64 of 32 random bytes: the signing key, shown only in this response'),
}).meta({ id: 'WebhookCreated' });

export const WebhookListSchema = z.object({ data: z.array(WebhookSchema) }).meta({ id: 'WebhookList' });

export const WebhookCreateSchema = z
  .strictObject({ url: urlInput, events: eventsInput, description: description.optional() })
  .meta({ id: 'WebhookCreate', examples: [{ url: 'https://hooks.example.com/cms', events: ['article.published', 'article.updated'], description: 'Front-end rebuild' }] });

export const WebhookPatchSchema = z
  .strictObject({ url: urlInput.optional(), events: eventsInput.optional(), description: description.optional(), status: z.enum(['active', 'disabled']).optional() })
  .meta({ id: 'WebhookPatch', examples: [{ status: 'disabled' }] });

export const WebhookTestSchema = z.object({ eventId: z.string().describe('The ping event’s id (its `webhook-id` header)') }).meta({ id: 'WebhookTestQueued' });

export const DeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string().describe('The event’s id: the `webhook-id` header, the same on every attempt'),
    type: z.string(),
    attempt: z.number().int().describe('1 for the first attempt'),
    status: z.enum(['pending', 'succeeded', 'failed']).describe('pending: failed, another attempt at `nextAttemptAt`; failed: no more attempts'),
    responseStatus: z.number().int().nullable().describe('The receiver’s HTTP status; null when none came (timeout, refused)'),
    error: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    createdAt: timestamp,
    nextAttemptAt: timestamp.nullable(),
  })
  .meta({ id: 'WebhookDelivery', description: 'One delivery attempt' });

export const DeliveryPageSchema = pageOf(DeliverySchema, 'WebhookDeliveryPage');

export const DeliveryQuerySchema = z.strictObject({ limit: limitParam, cursor: cursorParam });
