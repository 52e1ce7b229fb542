// An article body as HTML (feeds' full content, ninjs `body_html`): each block one element,
// every text escaped. Images carry their absolute URL, alt text and a figcaption with caption
// and credit.
import type { BodyBlockDto } from './schemas.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * The body as HTML. `absolute` turns this API's own paths (image URLs without CMS_PUBLIC_URL)
 * into absolute URLs.
 */
export function bodyHtml(body: BodyBlockDto[], absolute: (url: string) => string = (u) => u): string {
  return body
    .map((b) => {
      switch (b.type) {
        case 'paragraph':
          return `<p>${escapeHtml(b.text)}</p>`;
        case 'heading':
          return `<h${b.level}>${escapeHtml(b.text)}</h${b.level}>`;
        case 'quote':
          return `<blockquote><p>${escapeHtml(b.text)}</p>${b.attribution ? `<footer>${escapeHtml(b.attribution)}</footer>` : ''}</blockquote>`;
        case 'list': {
          const tag = b.ordered ? 'ol' : 'ul';
          return `<${tag}>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</${tag}>`;
        }
        case 'image': {
          if (!b.image) return '';
          const caption = b.caption ?? b.image.caption;
          const credit = b.credit ?? b.image.credit;
          const figcaption = caption || credit ? `<figcaption>${escapeHtml(caption ?? '')}${credit ? `${caption ? ' ' : ''}<small>${escapeHtml(credit)}</small>` : ''}</figcaption>` : '';
          return `<figure><img src="${escapeHtml(absolute(b.image.url))}" alt="${escapeHtml(b.image.alt ?? '')}" width="${b.image.width}" height="${b.image.height}">${figcaption}</figure>`;
        }
        case 'embed':
          return `<p><a href="${escapeHtml(b.url)}">${escapeHtml(b.url)}</a></p>`;
      }
    })
    .join('\n');
}
