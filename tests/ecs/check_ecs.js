#!/usr/bin/env node
// check_ecs.js - every field of every line has ECS's type, proven with ECS's
// own definitions (npm @elastic/ecs, generated/ecs_flat: EcsFlat).
//
// usage: node check_ecs.js ECS_MODULE_DIR FIELDS_TSV LINES.jsonl...
//
// Three checks:
//  1. output/fields.tsv against ECS: a listed field is ECS's exactly when
//     EcsFlat defines its name, and then it has ECS's type. A field ECS
//     normalises to an array is a list, or one value where the writer has
//     exactly one by construction (ONE_WHERE_ECS_HAS_ARRAY, with the reason);
//     a field ECS does not normalise to an array is never a list.
//  2. Every field of every line is in fields.tsv (the writer adds nothing the
//     index template does not map).
//  3. Every value has its field's type as Elasticsearch parses it: keyword and
//     text a string, long a whole number within 64 bits, unsigned_long a
//     non-negative one, ip an address, date an RFC 3339 time, boolean true or
//     false; a list a non-empty array of those, one value never an array.
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');

// ECS normalises these to arrays; a certificate has one subject and one
// issuer name, and the writer gives its most specific commonName, so the
// line carries one value. Elasticsearch indexes a value and a one-element
// array of it alike (every field may hold one or many values), so the
// document is the same to a query or an aggregation.
const ONE_WHERE_ECS_HAS_ARRAY = {
  'tls.client.x509.subject.common_name': 'one commonName per certificate (the most specific)',
  'tls.client.x509.issuer.common_name': 'one commonName per certificate (the most specific)',
  'tls.server.x509.subject.common_name': 'one commonName per certificate (the most specific)',
  'tls.server.x509.issuer.common_name': 'one commonName per certificate (the most specific)',
};

const failures = [];
function fail(msg) {
  if (failures.length < 50) failures.push(msg);
  else if (failures.length === 50) failures.push('...');
}

function readFields(file) {
  const fields = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, type, form] = line.split('\t');
    if (!type || (form !== 'one' && form !== 'list')) fail(`${file}: bad row '${line}'`);
    fields.set(name, { type, form });
  }
  return fields;
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

// Node's JSON.parse gives numbers as doubles: whole numbers are checked as
// integers within the type's range to double precision (2^63 is a double).
function valueOk(type, v) {
  switch (type) {
    case 'keyword': case 'text': case 'wildcard': case 'match_only_text': case 'constant_keyword':
      return typeof v === 'string';
    case 'long':
      return Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63;
    case 'unsigned_long':
      return Number.isInteger(v) && v >= 0 && v < 2 ** 64;
    case 'ip': return typeof v === 'string' && net.isIP(v) !== 0;
    case 'date': return typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v));
    case 'boolean': return typeof v === 'boolean';
    default: return false;
  }
}

function main() {
  const [moduleDir, fieldsFile, ...inputs] = process.argv.slice(2);
  const { EcsFlat } = require(path.resolve(moduleDir, 'generated', 'ecs_flat'));
  const fields = readFields(fieldsFile);

  // 1. The list against ECS.
  let ecsFields = 0;
  const notEcs = [];
  for (const [name, f] of fields) {
    const ecs = EcsFlat[name];
    if (!ecs) { notEcs.push(name); continue; }
    ecsFields++;
    if (ecs.type !== f.type) fail(`${name}: fields.tsv says ${f.type}, ECS says ${ecs.type}`);
    const ecsArray = (ecs.normalize || []).includes('array');
    if (ecsArray && f.form === 'one' && !ONE_WHERE_ECS_HAS_ARRAY[name])
      fail(`${name}: ECS normalises it to an array, the writer gives one value`);
    if (!ecsArray && f.form === 'list') fail(`${name}: a list, ECS has one value`);
  }
  for (const name of Object.keys(ONE_WHERE_ECS_HAS_ARRAY))
    if (!fields.has(name) || fields.get(name).form !== 'one') fail(`${name}: listed as allowed but not one value`);

  // 2 and 3. Every field of every line.
  let lines = 0, values = 0;
  const seen = new Set();
  function walk(obj, prefix, where) {
    for (const [k, v] of Object.entries(obj)) {
      const name = prefix ? `${prefix}.${k}` : k;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) { walk(v, name, where); continue; }
      if (Array.isArray(v) && v.length > 0 && v.every((x) => x !== null && typeof x === 'object')) {
        for (const o of v) walk(o, name, where); // a list of objects (tls.findings): each member checked
        continue;
      }
      const f = fields.get(name);
      seen.add(name);
      if (!f) { fail(`${where}: ${name} is not in fields.tsv`); continue; }
      if (Array.isArray(v)) {
        if (f.form !== 'list') fail(`${where}: ${name} is a list, fields.tsv says one value`);
        if (v.length === 0) fail(`${where}: ${name} is an empty list (empty lists are left out)`);
        for (const x of v) { values++; if (!valueOk(f.type, x)) fail(`${where}: ${name} item ${JSON.stringify(x)} is not ${f.type}`); }
      } else {
        values++;
        if (f.form !== 'one') fail(`${where}: ${name} is one value, fields.tsv says a list`);
        if (!valueOk(f.type, v)) fail(`${where}: ${name} = ${JSON.stringify(v)} is not ${f.type}`);
      }
    }
  }
  for (const file of inputs) {
    const text = fs.readFileSync(file, 'utf8');
    let n = 0;
    for (const line of text.split('\n')) {
      n++;
      if (!line) continue;
      lines++;
      let obj;
      try { obj = JSON.parse(line); } catch (e) { fail(`${file}:${n}: not JSON: ${e.message}`); continue; }
      walk(obj, '', `${path.basename(file)}:${n}`);
    }
  }
  if (lines === 0) fail('no lines to check');
  console.log(`ecs: ${lines} lines, ${values} values, ${seen.size} distinct fields checked; fields.tsv has ` +
              `${fields.size} fields, ${ecsFields} of them ECS's, ${notEcs.length} not in ECS; ` +
              `${Object.keys(ONE_WHERE_ECS_HAS_ARRAY).length} written as one value where ECS normalises to an array`);
  if (failures.length) {
    console.log(failures.join('\n'));
    process.exit(1);
  }
}

main();
