// The PostgreSQL run of test/modules/articles/search-window.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/articles/search-window.test.ts'));
