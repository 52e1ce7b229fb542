import { z } from 'zod';
import { TOKEN_ROLES } from '../../db/schema.ts';
import { timestamp } from '../../http/common-schemas.ts';
import { line } from '../../http/input.ts';

export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(TOKEN_ROLES),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'Token', description: 'An API token (never its secret)' });

export const TokenCreatedSchema = TokenSchema.extend({
  token: z.string().describe('The secret, shown only in this response'),
}).meta({ id: 'TokenCreated' });

export const TokenListSchema = z.object({ data: z.array(TokenSchema) }).meta({ id: 'TokenList' });

export const TokenCreateSchema = z
  .strictObject({ name: line(100), role: z.enum(TOKEN_ROLES) })
  .meta({ id: 'TokenCreate', examples: [{ name: 'ann', role: 'editor' }] });
