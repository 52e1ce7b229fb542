// The PostgreSQL run of test/modules/feeds/feeds-safety.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/feeds/feeds-safety.test.ts'));
