// doc.mjs: answers checked against the API document (docs/openapi.json), for
// the test files that check their own routes as they go (openapi.test.mjs
// checks every route with its own harness).
//
// Exports
//   conforms(res, pathTemplate, method = 'get'): the answer's body matches the
//     schema the document gives for that operation and res.status (followed
//     through $ref); an answer without content documented passes on its status.
//   conformsTo(value, schemaName): value matches components/schemas/NAME.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ROOT } from './lib.mjs';

const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'openapi.json'), 'utf8'));
const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
addFormats(ajv);
ajv.addVocabulary(['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags', 'externalDocs']);
ajv.addSchema({ ...doc, $id: 'https://cylinder.invalid/doc.json' });

export function conformsTo(value, schemaName) {
  const v = ajv.getSchema(`https://cylinder.invalid/doc.json#/components/schemas/${schemaName}`);
  assert.ok(v(value), `${schemaName}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 500)}`);
}

export function conforms(res, pathTemplate, method = 'get') {
  const op = doc.paths[pathTemplate]?.[method];
  assert.ok(op, `documented: ${method.toUpperCase()} ${pathTemplate}`);
  let resp = op.responses[String(res.status)];
  assert.ok(resp, `${method.toUpperCase()} ${pathTemplate} documents ${res.status}`);
  let ptr = `#/paths/${pathTemplate.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/responses/${res.status}`;
  while (resp.$ref) { ptr = resp.$ref; resp = resp.$ref.split('/').slice(1).reduce((o, k) => o[k], doc); }
  if (!resp.content) return;
  const mt = (res.headers.get('content-type') || '').split(';')[0];
  assert.ok(resp.content[mt], `${pathTemplate} ${res.status}: ${mt} is documented`);
  const v = ajv.getSchema(`https://cylinder.invalid/doc.json${ptr}/content/${mt.replace('/', '~1')}/schema`);
  assert.ok(v, `${pathTemplate} ${res.status}: ${mt} is documented`);
  assert.ok(v(res.body), `${method.toUpperCase()} ${pathTemplate} ${res.status}: ${ajv.errorsText(v.errors)}\n${res.text.slice(0, 500)}`);
}
