// RSS 2.0 with the content, Dublin Core, Atom and Media RSS modules.
import { Feed } from 'feed';
import { element, extendXml, mediaContent, TextSlots } from './extend.ts';
import type { FeedChannel, FeedItem } from './model.ts';
import { escapeHtml } from '../articles/body-html.ts';

/** What feed cannot write for an item: a `dc:creator` per byline, `atom:updated`, the lead image. */
function itemExtras(item: FeedItem): string {
  return [
    ...item.authors.map((name) => element('dc:creator', {}, name)),
    element('atom:updated', {}, item.updated.toISOString()),
    item.image ? mediaContent(item.image) : '',
  ].join('');
}

export function renderRss(channel: FeedChannel): string {
  const slots = new TextSlots();
  const feed = new Feed({
    title: slots.put(channel.title),
    // RSS requires a description: the title says what the feed holds.
    description: slots.put(channel.title),
    link: channel.site,
    feed: channel.self,
    updated: channel.updated,
    ...(channel.language !== null ? { language: slots.put(channel.language) } : {}),
    ...(channel.logo !== null ? { image: slots.put(channel.logo) } : {}),
    generator: false,
  });
  for (const item of channel.items) {
    feed.addItem({
      title: slots.put(item.title),
      link: item.url,
      id: slots.put(`urn:uuid:${item.id}`),
      date: item.updated,
      published: item.published,
      // RSS readers show `description` as HTML: the plain-text summary goes in escaped, so
      // that it reads as the same text once they decode it.
      ...(item.summary !== null ? { description: slots.put(escapeHtml(item.summary)) } : {}),
      ...(item.contentHtml !== '' ? { content: slots.put(item.contentHtml) } : {}),
      category: item.categories.map((name) => ({ name: slots.put(name) })),
    });
  }
  return extendXml(slots.fill(feed.rss2()), {
    root: 'rss',
    namespaces: ['atom', 'content', 'dc', 'media'],
    entry: 'item',
    extras: channel.items.map(itemExtras),
  });
}
