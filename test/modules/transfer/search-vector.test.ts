// The search vectors an import sends as text (searchVectorText) equal what PostgreSQL makes
// from the same words with the repository's SQL (SEARCH_VECTOR_SQL); texts it cannot vouch
// for get null (PostgreSQL then makes theirs). PostgreSQL only.
import fc from 'fast-check';
import pg from 'pg';
import t from 'tap';
import { onPostgres } from '../../engine-postgres.ts';
import { PG_ADMIN_URL } from '../../engine.ts';
import { SEARCH_VECTOR_SQL, searchVectorText, searchWords } from '../../../src/modules/articles/search-postgres.ts';

await onPostgres(async () => {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  t.teardown(() => client.end());
  const same = async (row: { headline: string; subheadline: string | null; summary: string | null; bodyText: string }) => {
    const w = searchWords(row);
    const text = searchVectorText(w);
    if (text === null) return { vouched: false, equal: true };
    const { rows } = await client.query<{ equal: boolean }>(`select $1::tsvector = ${SEARCH_VECTOR_SQL('$2', '$3', '$4')} as equal`, [text, w.a, w.b, w.c]);
    return { vouched: true, equal: rows[0]!.equal };
  };

  t.test('fixed cases: repeated words across weights, empty parts, digits, punctuation, case', async (t) => {
    for (const row of [
      { headline: 'North Korea and Russia', subheadline: null, summary: 'Korea, Russia: 1961 treaty', bodyText: 'north KOREA north korea 2024 0042' },
      { headline: '!!!', subheadline: '', summary: null, bodyText: 'only body words' },
      { headline: 'a', subheadline: 'a', summary: 'a', bodyText: 'a a a' },
      { headline: 'x', subheadline: null, summary: null, bodyText: '' },
    ]) {
      t.same(await same(row), { vouched: true, equal: true }, row.headline);
    }
  });

  t.test('what it does not vouch for: non-ASCII words, a word repeated past 255 positions, too many words', async (t) => {
    t.equal(searchVectorText(searchWords({ headline: 'Séoul 서울', subheadline: null, summary: null, bodyText: '' })), null);
    t.equal(searchVectorText(searchWords({ headline: 'abc123 0e0a', subheadline: null, summary: null, bodyText: '' })), null);
    t.equal(searchVectorText(searchWords({ headline: 'h', subheadline: null, summary: null, bodyText: 'the '.repeat(256) })), null);
    t.equal(searchVectorText(searchWords({ headline: 'h', subheadline: null, summary: null, bodyText: 'w '.repeat(17_000) })), null);
    t.same(await same({ headline: 'h', subheadline: null, summary: null, bodyText: 'the '.repeat(255) }), { vouched: true, equal: true }, '255 positions of one word');
  });

  t.test('random ASCII texts (property): equal whenever vouched for', async (t) => {
    const word = fc.oneof(fc.stringMatching(/^[A-Za-z]{1,12}$/), fc.stringMatching(/^[0-9]{1,6}$/));
    const textOf = fc.array(fc.oneof(word, fc.constantFrom(' ', ', ', '. ', '-', '\n')), { maxLength: 400 }).map((xs) => xs.join(' '));
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(textOf, fc.option(textOf), fc.option(textOf), textOf, async (headline, subheadline, summary, bodyText) => {
        const r = await same({ headline, subheadline, summary, bodyText });
        if (r.vouched) checked++;
        return r.equal;
      }),
      { numRuns: 300 },
    );
    t.ok(checked > 250, `compared ${checked} vectors`);
  });
});
