// What the suite needs beyond Node: Chromium (the /docs browser test), PostgreSQL (the
// PostgreSQL runs of every test, under test/postgres/) and Redis (rate limits and change
// broadcasts across instances). scripts/test.ts probes them once before the run and passes
// what it found on in the environment; a test file asks here whether its part may run.
import fs from 'node:fs';

export const CHROMIUM = process.env.CMS_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const REDIS_URL = process.env.CMS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Why a part is skipped in this run (set by scripts/test.ts), or null when it runs. */
export function skipped(part: 'postgres' | 'chromium' | 'redis'): string | null {
  const reason = process.env[`CMS_TEST_SKIP_${part.toUpperCase()}`];
  return reason ? reason : null;
}

export function chromiumInstalled(): boolean {
  return fs.existsSync(CHROMIUM);
}
