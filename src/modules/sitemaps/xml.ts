// The sitemaps' XML, written here rather than with the `sitemap` package: its SitemapStream
// costs ~6–8 µs a URL (normalising, validating and a stream transform per entry; ~350 ms for a
// 50,000-URL file, against ~60 ms for these templates), it rewrites every <loc> through
// `new URL()` and ends the stream with an error mid-body on one stored URL that does not parse,
// and it logs validation warnings per entry. The XML is small: three templates and one escape.
//
// Namespaces as Google documents them: sitemaps 0.9, image 1.1 and news 0.9.
import { toIso } from '../../http/time.ts';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const IMAGE_NS = 'http://www.google.com/schemas/sitemap-image/1.1';
const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';

// Characters XML 1.0 does not allow anywhere (C0 controls but tab, newline and carriage return;
// lone surrogates; U+FFFE and U+FFFF), and the C1 controls and DEL it discourages (as the feeds
// drop them): dropped, as no escape can carry them.
const NOT_XML = /[^\t\n\r\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const SPECIAL = /[&<>]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Text content: `&`, `<` and `>` escaped (`>` keeps `]]>` harmless), characters XML forbids dropped. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, '').replace(SPECIAL, (c) => ENTITY[c]!);
}

/**
 * A URL as a sitemap `<loc>` carries it: an absolute http(s) URL in its normalised, percent-
 * encoded form (the same string for every URL the API accepts as input), or null for a stored
 * value that is none (such an entry is left out: a crawler could not fetch it).
 */
export function locOf(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
}

// ---- sitemap index ----

export interface IndexEntry {
  loc: string;
  lastmod: number | null;
}

export function sitemapIndex(entries: IndexEntry[]): string {
  const body = entries.map((e) => `<sitemap><loc>${xmlText(e.loc)}</loc>${e.lastmod === null ? '' : `<lastmod>${toIso(e.lastmod)}</lastmod>`}</sitemap>\n`);
  return `${XML_DECLARATION}<sitemapindex xmlns="${SITEMAP_NS}">\n${body.join('')}</sitemapindex>\n`;
}

// ---- month files (urlset with image entries), written in pieces ----

export const URLSET_OPEN = `${XML_DECLARATION}<urlset xmlns="${SITEMAP_NS}" xmlns:image="${IMAGE_NS}">\n`;
export const URLSET_CLOSE = '</urlset>\n';

/** One `<url>`; `loc` and `image` already normalised by locOf. */
export function urlEntry(loc: string, lastmod: number, image: string | null): string {
  const img = image === null ? '' : `<image:image><image:loc>${xmlText(image)}</image:loc></image:image>`;
  return `<url><loc>${xmlText(loc)}</loc><lastmod>${toIso(lastmod)}</lastmod>${img}</url>\n`;
}

// ---- Google News sitemap ----

export interface NewsEntry {
  loc: string;
  publicationName: string;
  language: string;
  publicationDate: number;
  title: string;
}

export function newsSitemap(entries: NewsEntry[]): string {
  const body = entries.map(
    (e) =>
      `<url><loc>${xmlText(e.loc)}</loc><news:news><news:publication><news:name>${xmlText(e.publicationName)}</news:name>` +
      `<news:language>${xmlText(e.language)}</news:language></news:publication>` +
      `<news:publication_date>${toIso(e.publicationDate)}</news:publication_date><news:title>${xmlText(e.title)}</news:title></news:news></url>\n`,
  );
  return `${XML_DECLARATION}<urlset xmlns="${SITEMAP_NS}" xmlns:news="${NEWS_NS}">\n${body.join('')}</urlset>\n`;
}

/**
 * An article's language as Google News spells it: the ISO 639 code (the BCP 47 tag's primary
 * language subtag, lowercased), except Chinese, which Google names by script: `zh-cn`
 * (Simplified) or `zh-tw` (Traditional). The script is the tag's own, else the one CLDR's likely
 * subtags give its region: zh-Hans, zh-CN, zh-SG and plain zh are `zh-cn`; zh-Hant, zh-TW,
 * zh-HK and zh-MO are `zh-tw`; a script wins over a region (zh-Hant-CN is `zh-tw`).
 */
export function googleNewsLanguage(tag: string): string {
  let locale: Intl.Locale;
  try {
    locale = new Intl.Locale(tag);
  } catch {
    // Stored tags are canonical BCP 47 (checked on input); a row written around the API may not be.
    return tag.split(/[-_]/)[0]!.toLowerCase();
  }
  const language = locale.language.toLowerCase();
  if (language !== 'zh') return language;
  return locale.maximize().script === 'Hant' ? 'zh-tw' : 'zh-cn';
}
