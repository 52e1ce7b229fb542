// The PostgreSQL run of test/modules/articles/article-urls.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/articles/article-urls.test.ts'));
