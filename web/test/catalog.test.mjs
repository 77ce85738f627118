// catalog.test.mjs: every message catalog has exactly the English keys, with
// the same {placeholders}; every key the source uses exists. Run it with
// `node --test web/test/` (or `npm test` in web/).
//
// Keys in the source are found as t('key') calls and as quoted strings of the
// form "namespace.name" whose namespace the catalog has (tables of keys).
// A key built at run time must be `enum.<list>.${value}`, and every value of
// every list in src/model.js must have its key.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENUMS } from '../src/model.js';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const I18N = path.join(WEB, 'src', 'i18n');
const LOCALES = ['en', 'zh-CN', 'zh-TW', 'hu'];
const PLURAL_FORMS = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

const load = (l) => JSON.parse(fs.readFileSync(path.join(I18N, `${l}.json`), 'utf8'));
const catalogs = Object.fromEntries(LOCALES.map((l) => [l, load(l)]));
const en = catalogs.en;
const namespaces = new Set(Object.keys(en).map((k) => k.split('.')[0]));

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return sources(p);
    return /\.(js|jsx|mjs)$/.test(d.name) ? [p] : [];
  });
}

/** {key: [files]} of the keys the source uses, and the run-time key prefixes. */
function usedKeys() {
  const keys = new Map(), dynamic = [];
  const add = (k, f) => keys.set(k, [...(keys.get(k) || []), path.relative(WEB, f)]);
  for (const f of sources(path.join(WEB, 'src'))) {
    const src = fs.readFileSync(f, 'utf8');
    for (const m of src.matchAll(/\bt\(\s*'([^']+)'/g)) add(m[1], f);
    for (const m of src.matchAll(/'([a-z][A-Za-z]*\.[A-Za-z0-9_.]+)'/g)) if (namespaces.has(m[1].split('.')[0])) add(m[1], f);
    for (const m of src.matchAll(/\bt\(\s*`([^`]*)`/g)) dynamic.push({ template: m[1], file: path.relative(WEB, f) });
  }
  return { keys, dynamic };
}

const texts = (v) => (typeof v === 'string' ? [v] : Object.values(v));
const placeholders = (v) => new Set(texts(v).flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));

test('every catalog has exactly the English keys', () => {
  for (const l of LOCALES.slice(1)) {
    const have = new Set(Object.keys(catalogs[l]));
    const missing = Object.keys(en).filter((k) => !have.has(k));
    const extra = [...have].filter((k) => !(k in en));
    assert.deepEqual(missing, [], `${l}.json lacks keys`);
    assert.deepEqual(extra, [], `${l}.json has keys English does not`);
  }
});

test('messages are non-empty text or plural forms, with the English placeholders', () => {
  for (const l of LOCALES) {
    for (const [k, v] of Object.entries(catalogs[l])) {
      const ok = typeof v === 'string' ? v.trim() !== ''
        : v && typeof v === 'object' && 'other' in v && Object.entries(v).every(([f, s]) => PLURAL_FORMS.has(f) && typeof s === 'string' && s.trim());
      assert.ok(ok, `${l}.json: ${k} is not a message`);
      assert.deepEqual([...placeholders(v)].sort(), [...placeholders(en[k])].sort(), `${l}.json: ${k} placeholders differ from English`);
    }
  }
});

test('every key the source uses is in the catalog', () => {
  const { keys } = usedKeys();
  const missing = [...keys].filter(([k]) => !(k in en)).map(([k, files]) => `${k} (${[...new Set(files)].join(', ')})`);
  assert.deepEqual(missing, [], 'keys used in web/src but missing from en.json');
});

test('run-time keys are enum labels, and every enum value has one', () => {
  const { dynamic } = usedKeys();
  for (const { template, file } of dynamic) {
    const m = /^enum\.(\w+)\.\$\{[^}]+\}$/.exec(template);
    assert.ok(m, `${file}: t(\`${template}\`) — only enum.<list>.\${value} keys may be built at run time`);
    assert.ok(ENUMS[m[1]], `${file}: enum list ${m[1]} is not in src/model.js`);
  }
  for (const [list, values] of Object.entries(ENUMS)) for (const v of values) assert.ok(`enum.${list}.${v}` in en, `en.json lacks enum.${list}.${v}`);
});

test('the catalog has no key the source never uses', () => {
  const { keys } = usedKeys();
  const enumKeys = new Set(Object.entries(ENUMS).flatMap(([list, values]) => values.map((v) => `enum.${list}.${v}`)));
  const unused = Object.keys(en).filter((k) => !keys.has(k) && !enumKeys.has(k));
  assert.deepEqual(unused, [], 'keys in en.json that no source file uses');
});
