// The PostgreSQL run of test/modules/webhooks/admin.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/webhooks/admin.test.ts'));
