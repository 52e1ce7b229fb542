// Every engine-neutral test file has its PostgreSQL twin under test/postgres/, as
// scripts/postgres-twins.ts writes it (run that script after adding a test file).
import fs from 'node:fs';
import t from 'tap';
import { existingTwins, expectedTwins } from '../scripts/postgres-twins.ts';

t.test('test/postgres/ holds exactly the twins of the engine-neutral tests', async (t) => {
  const expected = expectedTwins();
  t.ok(expected.size >= 30, `${expected.size} test files run on both engines`);
  for (const [file, text] of expected) {
    t.equal(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null, text, `${file} is current`);
  }
  const stale = existingTwins().filter((f) => !expected.has(f));
  t.same(stale, [], 'no twin of a test that is gone');
});
