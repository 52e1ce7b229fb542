// The PostgreSQL run of test/modules/authors/authors.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/authors/authors.test.ts'));
