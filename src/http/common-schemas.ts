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

export const timestamp = z.string().describe('RFC 3339 UTC timestamp');
