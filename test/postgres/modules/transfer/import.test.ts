// The PostgreSQL run of test/modules/transfer/import.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/transfer/import.test.ts'));
