// Atom 1.0 with the Media RSS module for lead images.
import { Feed } from 'feed';
import { extendXml, mediaContent, TextSlots } from './extend.ts';
import type { FeedChannel } from './model.ts';

export function renderAtom(channel: FeedChannel): string {
  const slots = new TextSlots();
  const feed = new Feed({
    id: slots.put(channel.self),
    title: slots.put(channel.title),
    link: channel.site,
    feed: channel.self,
    updated: channel.updated,
    // Atom wants an author on the feed or on every entry: the publisher covers entries without a byline.
    author: { name: slots.put(channel.publisher) },
    ...(channel.logo !== null ? { image: slots.put(channel.logo) } : {}),
    generator: false,
  });
  for (const item of channel.items) {
    feed.addItem({
      title: slots.put(item.title),
      link: item.url,
      id: `urn:uuid:${item.id}`,
      date: item.updated,
      published: item.published,
      ...(item.summary !== null ? { description: slots.put(item.summary) } : {}),
      // Always present (an empty body gives an empty `content`), so that no entry lacks one.
      content: slots.put(item.contentHtml),
      author: item.authors.map((name) => ({ name: slots.put(name) })),
      category: item.categories.map((name) => ({ term: slots.put(name) })),
    });
  }
  return extendXml(slots.fill(feed.atom1()), {
    root: 'feed',
    namespaces: ['media'],
    entry: 'entry',
    extras: channel.items.map((item) => (item.image ? mediaContent(item.image) : '')),
    // Headline and summary are plain text; the content stays HTML.
    plainText: ['title', 'summary'],
  });
}
