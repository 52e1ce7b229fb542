// Input building blocks shared by every write schema: text without control characters,
// http(s) URLs, and unique id lists.
import { z } from 'zod';
import { idSchema } from './common-schemas.ts';

// C0 controls except tab, newline and carriage return; DEL; lone UTF-16 surrogates.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text of at most `max` characters with no control characters (tabs and newlines allowed). */
export function text(max: number) {
  return z
    .string()
    .max(max)
    .refine((s) => !CONTROL.test(s), 'Control characters are not allowed');
}

/** One line of text: trimmed, 1..max characters, no line breaks. */
export function line(max: number) {
  return text(max)
    .trim()
    .min(1, 'Must not be empty')
    .refine((s) => !/[\r\n]/.test(s), 'Must be a single line');
}

export const httpUrl = z
  .url({ protocol: /^https?$/, error: 'Must be an http or https URL' })
  .max(2000)
  .describe('An absolute http or https URL');

export function uniqueIds(max: number, what: string) {
  return z
    .array(idSchema)
    .max(max)
    .refine((ids) => new Set(ids).size === ids.length, `Each ${what} may appear only once`);
}

/** Fields the server sets; sending them is reported as such rather than as "unknown". */
export const READ_ONLY_FIELDS = new Set(['id', 'status', 'version', 'createdAt', 'updatedAt', 'publishedAt', 'firstPublishedAt', 'path', 'depth']);

/**
 * A well-formed BCP 47 language tag (`en`, `ko`, `pt-BR`), in its canonical case (`pt-br` is
 * taken as `pt-BR`). Checked by the runtime's own `Intl.getCanonicalLocales` (Unicode's BCP 47
 * locale identifiers: grandfathered tags such as `i-klingon` and private-use-only tags are not
 * accepted).
 */
export const languageTag = z
  .string()
  .min(2)
  .max(35)
  .transform((tag, ctx) => {
    try {
      const [canonical] = Intl.getCanonicalLocales(tag);
      if (canonical !== undefined && !tag.includes('_')) return canonical;
    } catch {
      // RangeError: not well-formed.
    }
    ctx.addIssue({ code: 'custom', message: 'Must be a BCP 47 language tag such as `en`, `ko` or `pt-BR`' });
    return z.NEVER;
  })
  .meta({ type: 'string', description: 'A BCP 47 language tag (`en`, `ko`, `pt-BR`)', examples: ['en'] });
