// The PostgreSQL run of test/modules/sync/sync.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/sync/sync.test.ts'));
