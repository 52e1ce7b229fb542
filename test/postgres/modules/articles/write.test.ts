// The PostgreSQL run of test/modules/articles/write.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/articles/write.test.ts'));
