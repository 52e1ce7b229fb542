// The PostgreSQL run of test/modules/images/storage.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/images/storage.test.ts'));
