import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { renderSpecYaml } from '../../src/openapi/spec.ts';

const SPEC_FILE = path.resolve(import.meta.dirname, '../../openapi.yaml');

t.test('openapi.yaml is what the code generates (run `npm run openapi` when this fails)', async (t) => {
  const generated = await renderSpecYaml();
  const committed = fs.readFileSync(SPEC_FILE, 'utf8');
  t.equal(committed, generated, 'openapi.yaml is stale');
});

t.test('every operation has an operationId, a tag and problem+json error responses', async (t) => {
  const spec = parse(fs.readFileSync(SPEC_FILE, 'utf8'));
  t.equal(spec.openapi, '3.1.0');
  const ids = new Set<string>();
  let operations = 0;
  for (const [route, item] of Object.entries<Record<string, any>>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      operations++;
      t.match(op.operationId, /^[a-z][A-Za-z]+$/, `${method} ${route} has a camelCase operationId`);
      t.notOk(ids.has(op.operationId), `${op.operationId} is unique`);
      ids.add(op.operationId);
      t.ok(op.tags?.length, `${op.operationId} has a tag`);
      t.ok(op.summary, `${op.operationId} has a summary`);
      t.ok(op.description, `${op.operationId} has a description`);
      for (const parameter of op.parameters ?? []) t.ok(parameter.description, `${op.operationId}: parameter ${parameter.name} is described`);
      t.ok(op.responses['200'] ?? op.responses['201'] ?? op.responses['202'] ?? op.responses['204'], `${op.operationId} documents its success response`);
      if (route === '/health') continue;
      const problem = op.responses['400']?.content?.['application/problem+json']?.schema;
      t.ok(problem, `${op.operationId} documents 400 as problem+json`);
    }
  }
  t.ok(operations >= 12, `all read operations are in the spec (${operations})`);
  for (const name of ['Article', 'ArticleSummary', 'Section', 'SectionDetail', 'Author', 'Image', 'RelatedLink', 'Problem', 'BodyBlock', 'Tag']) {
    t.ok(spec.components.schemas[name], `components.schemas.${name}`);
  }
  t.ok(spec.components.securitySchemes.bearerAuth, 'bearer security scheme');
});
