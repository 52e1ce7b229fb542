// Small schemas shared by several modules.
import { z } from 'zod';

export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export const slugSchema = z
  .string()
  .max(120)
  .regex(SLUG_PATTERN, 'Must be lowercase letters, digits and single hyphens (e.g. `north-korea`)');

export const idSchema = z.string().min(1).max(64).describe('Opaque id (UUIDv7)');

export const idParams = z.strictObject({ id: idSchema });

export const slugParams = z.strictObject({ slug: z.string().min(1).max(120).describe('URL slug') });

export const timestamp = z.string().meta({ format: 'date-time', description: 'RFC 3339 UTC timestamp' });

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 date-time in input, parsed to epoch milliseconds. */
export const dateTimeInput = z
  .string()
  .refine((s) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)), 'Must be an RFC 3339 date-time, e.g. 2024-06-17T09:00:00Z')
  .transform((s) => Date.parse(s))
  .meta({ format: 'date-time' });

/** For routes that take no query parameters: any parameter is an unknown one (400). */
export const noQuery = z.strictObject({});
