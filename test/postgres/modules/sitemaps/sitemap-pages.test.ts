// The PostgreSQL run of test/modules/sitemaps/sitemap-pages.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/sitemaps/sitemap-pages.test.ts'));
