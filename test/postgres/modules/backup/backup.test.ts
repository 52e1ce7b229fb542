// The PostgreSQL run of test/modules/backup/backup.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/backup/backup.test.ts'));
