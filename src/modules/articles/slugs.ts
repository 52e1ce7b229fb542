import { createHash } from 'node:crypto';
import slugify from '@sindresorhus/slugify';

const MAX = 120;

/** A slug from free text (transliterated to Latin where possible), or '' when nothing is left. */
export function slugFrom(textValue: string, max = 100): string {
  const slug = slugify(textValue, { decamelize: false });
  if (slug.length <= max) return slug;
  const cut = slug.slice(0, max);
  return cut.includes('-') ? cut.slice(0, cut.lastIndexOf('-')) : cut;
}

/** A tag's slug: from its name, or a stable hash of it for names with no Latin form (e.g. Korean). */
export function tagSlug(name: string): string {
  return slugFrom(name) || `tag-${createHash('sha1').update(name.normalize('NFC')).digest('hex').slice(0, 10)}`;
}

/** `base`, or `base-2`, `base-3`, … — the first that `taken` says is free. */
export async function firstFreeSlug(base: string, taken: (slug: string) => Promise<boolean>): Promise<string> {
  if (!(await taken(base))) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, MAX - suffix.length)}${suffix}`;
    if (!(await taken(candidate))) return candidate;
  }
}
