// Contract checking for the whole suite: every response an app built by test/helper.ts
// sends is validated against the response the committed openapi.yaml declares for its
// route, status and content type. Any mismatch fails the test that made the request.
// The operations each test process called are written to test/artifacts/operations/ for
// `npm run operation-coverage`.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { parse } from 'yaml';
import { ROOT } from './process.ts';

type Json = Record<string, any>;
const SPEC_ID = 'https://newsroom-cms.invalid/openapi';
const spec = parse(fs.readFileSync(path.join(ROOT, 'openapi.yaml'), 'utf8')) as Json;

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats.default(ajv);
ajv.addFormat('binary', true);
ajv.addSchema({ $id: SPEC_ID, components: spec.components });

function absolutise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(absolutise);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? SPEC_ID + v : absolutise(v)]),
    );
  }
  return node;
}

const validators = new Map<string, ReturnType<typeof ajv.compile>>();
function validatorFor(key: string, schema: Json) {
  let v = validators.get(key);
  if (!v) {
    v = ajv.compile(absolutise(schema) as Json);
    validators.set(key, v);
  }
  return v;
}

export const calledOperations = new Set<string>();
process.once('exit', () => {
  if (calledOperations.size === 0) return;
  const dir = path.join(ROOT, 'test/artifacts/operations');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${process.pid}-${Date.now()}.json`), JSON.stringify([...calledOperations]));
});

/** Adds the contract check to an app; each violation fails `t` as the response is sent. */
export function checkContract(app: FastifyInstance, t: Test): void {
  const violations = { push: (message: string) => t.fail(`response does not match openapi.yaml: ${message}`) };
  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    if (!route) return payload; // no route matched: the not-found handler
    const openapiPath = route.replace(/:([A-Za-z]+)/g, '{$1}');
    const method = request.method === 'HEAD' ? 'get' : request.method.toLowerCase();
    const op = spec.paths?.[openapiPath]?.[method];
    if (!op) return payload; // /docs, /openapi.json: not described, by design
    calledOperations.add(op.operationId);
    const status = String(reply.statusCode);
    const declared = op.responses?.[status];
    const where = `${request.method} ${route} → ${status}`;
    if (!declared) {
      violations.push(`${where}: status not declared in openapi.yaml`);
      return payload;
    }
    if (status === '204' || status === '304' || request.method === 'HEAD') return payload;
    const contentType = String(reply.getHeader('content-type') ?? '').split(';')[0]!.trim();
    const media = declared.content?.[contentType];
    if (!media) {
      violations.push(`${where}: content type ${contentType || '(none)'} not declared`);
      return payload;
    }
    if (typeof payload !== 'string' || !contentType.includes('json')) return payload; // binary bodies
    const validate = validatorFor(`${method} ${openapiPath} ${status} ${contentType}`, media.schema);
    if (!validate(JSON.parse(payload))) {
      violations.push(`${where}: ${ajv.errorsText(validate.errors, { separator: '; ' })}`);
    }
    return payload;
  });
}
