// The second reference: a bare Fastify 5 server answering GET /v1/articles/slug/:slug with one
// prepared `SELECT … WHERE slug = ?` on the same database as the app (better-sqlite3, or a
// named prepared statement on one node-postgres pool), the row sent as Fastify serializes it.
// What "uncached" reads are measured against: the least a database-backed read can cost.
// Started by bench/run.ts with CMS_DB and PORT.
import Fastify from 'fastify';

const url = process.env.CMS_DB!;
// The article's own columns (not PostgreSQL's search vector, which the app never reads either).
const COLUMNS = 'id, slug, headline, subheadline, summary, body, status, version, section_id, lead_image_id, lead_image_caption, lead_image_credit, dateline, language, canonical_url, published_at, first_published_at, created_at, updated_at';
const app = Fastify({ logger: false });
let close: () => Promise<void>;
if (/^postgres(ql)?:\/\//.test(url)) {
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const bySlug = async (slug: string) => (await pool.query({ name: 'article-by-slug', text: `select ${COLUMNS} from articles where slug = $1`, values: [slug] })).rows[0];
  app.get<{ Params: { slug: string } }>('/v1/articles/slug/:slug', async (request, reply) => (await bySlug(request.params.slug)) ?? reply.code(404).send());
  close = () => pool.end();
} else {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(url, { readonly: true });
  const bySlug = db.prepare(`select ${COLUMNS} from articles where slug = ?`);
  app.get<{ Params: { slug: string } }>('/v1/articles/slug/:slug', async (request, reply) => bySlug.get(request.params.slug) ?? reply.code(404).send());
  close = async () => {
    db.close();
  };
}
app.get('/health', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(close).then(() => process.exit(0)));
