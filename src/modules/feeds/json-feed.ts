// JSON Feed 1.1.
import { Feed } from 'feed';
import { jsonFeed11 } from './extend.ts';
import type { FeedChannel } from './model.ts';

export function renderJsonFeed(channel: FeedChannel): string {
  const feed = new Feed({
    title: channel.title,
    link: channel.site,
    feedLinks: { json: channel.self },
    ...(channel.logo !== null ? { image: channel.logo } : {}),
    generator: false,
  });
  for (const item of channel.items) {
    feed.addItem({
      title: item.title,
      link: item.url,
      id: `urn:uuid:${item.id}`,
      date: item.updated,
      published: item.published,
      content: item.contentHtml,
      category: item.categories.map((name) => ({ name })),
      ...(item.image ? { image: item.image.url } : {}),
    });
  }
  return jsonFeed11(feed.json1(), channel);
}
