// The PostgreSQL run of test/modules/transfer/import-errors.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/transfer/import-errors.test.ts'));
