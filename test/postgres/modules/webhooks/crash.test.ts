// The PostgreSQL run of test/modules/webhooks/crash.test.ts (written by scripts/postgres-twins.ts; do not edit).
import { onPostgres } from '../../../engine-postgres.ts';

await onPostgres(() => import('../../../modules/webhooks/crash.test.ts'));
