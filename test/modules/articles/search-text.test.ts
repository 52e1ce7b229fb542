// The body's searchable text is stored once (SQLite: extracted from the body's JSON by the
// search index's triggers; PostgreSQL: computed in JS into the search vector): every kind of
// block is found by its words as bodyText() defines, an embed's URL is not, and an edit
// replaces the old words.
import t from 'tap';
import { addArticle, build } from '../../helper.ts';
import { send } from '../../requests.ts';

const hits = async (b: Awaited<ReturnType<typeof build>>, q: string) =>
  ((await send(b, 'GET', `/v1/articles?q=${encodeURIComponent(q)}%20`, { role: null })).json().data as { id: string }[]).map((a) => a.id);

t.test('each block kind is searchable by its own words; an edit replaces them', async (t) => {
  const b = await build(t, { config: { CMS_RESPONSE_CACHE_BYTES: 0 } });
  const seed = (await send(b, 'GET', '/v1/articles?limit=1')).json().data[0];
  const a = await addArticle(b, {
    body: [
      { type: 'paragraph', text: 'Paragraphword here.' },
      { type: 'heading', level: 2, text: 'Headingword' },
      { type: 'quote', text: 'Quoteword said.', attribution: 'Attributionword' },
      { type: 'list', ordered: false, items: ['Firstitemword', 'Seconditemword'] },
      { type: 'image', imageId: seed.leadImage.id, caption: 'Captionword', credit: 'Creditword' },
      { type: 'embed', url: 'https://example.com/Embedword' },
    ],
  });
  for (const word of ['Paragraphword', 'Headingword', 'Quoteword', 'Attributionword', 'Firstitemword', 'Seconditemword', 'Captionword']) {
    t.strictSame(await hits(b, word), [a.id], `found by “${word}”`);
  }
  t.strictSame(await hits(b, 'Embedword'), [], 'an embed’s URL is not searchable text');
  t.strictSame(await hits(b, 'Creditword'), [], 'nor an image block’s credit (bodyText() leaves it out)');

  const patched = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { body: [{ type: 'paragraph', text: 'Replacementword only.' }] } });
  t.equal(patched.statusCode, 200);
  t.strictSame(await hits(b, 'Replacementword'), [a.id], 'the new words are found');
  t.strictSame(await hits(b, 'Paragraphword'), [], 'the old ones are gone');
  t.equal((await send(b, 'DELETE', `/v1/articles/${a.id}`)).statusCode, 204);
  t.strictSame(await hits(b, 'Replacementword'), [], 'a deleted article is gone from the index');
});
