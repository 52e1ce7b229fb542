// The one place where the `feed` package's output (6.0.0) is extended and its escaping
// replaced. Why: feed writes XML through xml-js 1.6, which
// - splits only the first `]]>` of a CDATA section: a headline holding `]]>` twice ends the
//   section early and breaks the document;
// - escapes only `"` in attribute values: a tag name holding `<` (Atom `category term`) makes
//   the document ill-formed;
// - turns a literal `&amp;` in text into `&` before escaping it (lossy);
// - passes characters XML 1.0 forbids (control characters);
// and feed itself marks Atom titles and summaries `type="html"` (a plain-text headline holding
// `<script>` would then be markup), writes RSS `<author>` with a bare name (RSS wants an
// e-mail address; API.md wants `dc:creator`), has no Atom entry extensions, no Media RSS, and
// writes JSON Feed 1.0 (one `author`), not 1.1.
// So feed lays the documents out (elements, order, dates, URLs, links), every text goes in as
// an opaque token of letters and digits (which none of its escaping changes), `fill` puts each
// text back escaped for XML 1.0, and `extendXml` adds what feed cannot write. Once filled, the
// document holds no CDATA and every text is escaped, so each `<` is markup: the string edits
// on tags below cannot meet a text.
import { randomBytes } from 'node:crypto';
import type { FeedChannel, FeedImage } from './model.ts';

/**
 * Characters XML 1.0 does not allow (C0 controls but tab, LF and CR; U+FFFE/U+FFFF; lone
 * surrogates), and the C1 controls and DEL it discourages (§2.2): dropped from every text a
 * feed shows, JSON Feed included, so that all three carry the same text.
 */
const NOT_XML = /[^\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** A text without the characters XML 1.0 cannot carry. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, '');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** A text escaped for XML 1.0 content and double-quoted attribute values alike. */
export function escapeXml(text: string): string {
  return xmlText(text).replace(/[&<>"]/g, (c) => ESCAPES[c]!);
}

/** Texts handed to feed as tokens, put back escaped by `fill`. */
export class TextSlots {
  // 64 random bits per document: no URL or date feed writes will hold it by chance.
  private readonly prefix = `x${randomBytes(8).toString('hex')}t`;
  private readonly texts: string[] = [];

  /** A token standing for `text`. */
  put(text: string): string {
    this.texts.push(text);
    return `${this.prefix}${this.texts.length - 1}x`;
  }

  /** The document with every token (and the CDATA section around it, if any) replaced by its escaped text. */
  fill(xml: string): string {
    const token = `${this.prefix}(\\d+)x`;
    return xml.replace(new RegExp(`<!\\[CDATA\\[${token}\\]\\]>|${token}`, 'g'), (_m, a: string | undefined, b: string | undefined) =>
      escapeXml(this.texts[Number(a ?? b)]!),
    );
  }
}

/** An XML element as text: attributes (undefined/null ones left out) and escaped text or child elements. */
export function element(name: string, attributes: Record<string, string | number | null | undefined>, content: string | string[] = []): string {
  const attrs = Object.entries(attributes)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
  const inner = typeof content === 'string' ? escapeXml(content) : content.join('');
  return inner === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${inner}</${name}>`;
}

/** The lead image as Media RSS `media:content` (the same element in RSS and Atom). */
export function mediaContent(image: FeedImage): string {
  return element('media:content', { url: image.url, medium: 'image', type: image.mimeType, width: image.width, height: image.height }, [
    image.caption !== null ? element('media:description', {}, image.caption) : '',
    image.credit !== null ? element('media:credit', {}, image.credit) : '',
  ]);
}

export const NAMESPACES = {
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  media: 'http://search.yahoo.com/mrss/',
} as const;

export interface XmlExtension {
  /** The root element's name (`rss`, `feed`). */
  root: string;
  /** Prefixes to declare on the root (feed declares some only when it uses them itself). */
  namespaces: (keyof typeof NAMESPACES)[];
  /** The element name of an entry (`item`, `entry`). */
  entry: string;
  /** Elements to append to each entry, in document order (one string per entry). */
  extras: string[];
  /** Elements whose `type="html"` feed set for plain text: made `type="text"`. */
  plainText?: string[];
}

/**
 * A filled document extended: namespaces declared on the root (each once), the extra elements
 * appended to each entry in turn, and plain-text elements typed as text.
 */
export function extendXml(xml: string, ext: XmlExtension): string {
  let out = xml.replace(new RegExp(`<${ext.root}(\\s[^>]*)?>`), (tag, attrs: string | undefined) => {
    const present = attrs ?? '';
    const added = ext.namespaces.filter((p) => !present.includes(`xmlns:${p}=`)).map((p) => ` xmlns:${p}="${NAMESPACES[p]}"`);
    return `<${ext.root}${present}${added.join('')}>`;
  });
  const parts = out.split(`</${ext.entry}>`);
  if (parts.length - 1 !== ext.extras.length) throw new Error(`extendXml: ${parts.length - 1} <${ext.entry}> elements for ${ext.extras.length} extensions`);
  out = parts.map((part, i) => (i < ext.extras.length ? part + ext.extras[i] : part)).join(`</${ext.entry}>`);
  for (const name of ext.plainText ?? []) out = out.replaceAll(`<${name} type="html">`, `<${name} type="text">`);
  return out;
}

/**
 * feed's JSON Feed 1.0 made 1.1: the version, `authors` (every byline, in order; the
 * publisher's on the feed, for items without one) instead of 1.0's single `author`,
 * `language`, and the item's own `content_html` and `summary` (feed drops a summary when the
 * content is empty, and would put the summary in place of an empty content).
 */
export function jsonFeed11(json: string, channel: FeedChannel): string {
  const doc = JSON.parse(json) as { title: string; home_page_url?: string; feed_url?: string; icon?: string; items: Record<string, unknown>[] };
  if (doc.items.length !== channel.items.length) throw new Error('jsonFeed11: items differ');
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: doc.title,
    home_page_url: doc.home_page_url,
    feed_url: doc.feed_url,
    ...(doc.icon !== undefined ? { icon: doc.icon } : {}),
    ...(channel.language !== null ? { language: channel.language } : {}),
    authors: [{ name: channel.publisher }],
    items: doc.items.map((made, i) => {
      const item = channel.items[i]!;
      const { author: _single, content_html: _content, summary: _summary, ...rest } = made;
      return {
        ...rest,
        content_html: item.contentHtml,
        ...(item.summary !== null ? { summary: item.summary } : {}),
        authors: item.authors.map((name) => ({ name })),
        language: item.language,
      };
    }),
  });
}
