// The spec is lint-clean under Redocly's recommended rules (exceptions justified in
// redocly.yaml) and structurally valid OpenAPI 3.1 (swagger-parser).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { ROOT } from '../process.ts';

const run = promisify(execFile);

t.test('redocly lint openapi.yaml: no errors, no warnings', async (t) => {
  const result = await run(path.join(ROOT, 'node_modules/.bin/redocly'), ['lint', 'openapi.yaml', '--format=json'], {
    cwd: ROOT,
    maxBuffer: 20 * 1024 * 1024,
  }).catch((err: { stdout: string; stderr: string }) => err);
  const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as {
    totals: { errors: number; warnings: number };
    problems: { ruleId: string; message: string }[];
  };
  t.same(
    report.problems.map((p) => `${p.ruleId}: ${p.message}`),
    [],
    'no lint problems',
  );
  t.same(report.totals, { ...report.totals, errors: 0, warnings: 0 });
});

t.test('swagger-parser validates the spec', async (t) => {
  const api = (await SwaggerParser.validate(path.join(ROOT, 'openapi.yaml'))) as { openapi: string; paths: object };
  t.equal(api.openapi, '3.1.0');
  t.ok(Object.keys(api.paths).length >= 15);
});
