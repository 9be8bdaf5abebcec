#!/usr/bin/env node
// canonize_reference.mjs -- the reference canonicalizer for Cairn's differential tests: jsonld.js
// (v9, with rdf-canonize) from the OB3 kit, safe mode, RDFC-1.0, a static document loader over the
// kit's context directory (nothing is fetched; any other URL is an error).
//
//   node canonize_reference.mjs KIT_DIR FILE.json [--max-work-factor N]
//   node canonize_reference.mjs KIT_DIR FILE.nq --nquads [--max-work-factor N]
//
// Prints canonical N-Quads on stdout and exits 0, or prints "ERROR: <message>" and exits 1.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [kit, file, ...rest] = process.argv.slice(2);
if (!kit || !file) {
  process.stdout.write('ERROR: usage: canonize_reference.mjs KIT_DIR FILE [--nquads]\n');
  process.exit(2);
}
const nquads = rest.includes('--nquads');
const factorAt = rest.indexOf('--max-work-factor');
const maxWorkFactor = factorAt >= 0 ? Number(rest[factorAt + 1]) : 1;

const require = createRequire(join(kit, 'verify-di', 'package.json'));
const jsonld = require('jsonld');

const CONTEXTS = {
  'https://www.w3.org/ns/credentials/v2': 'w3c_credentials_v2.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob_v3p0_context-3.0.3.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json': 'ob_v3p0_extensions.json',
  'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json': 'clr_v2p0_context-2.0.1.json',
  'https://www.w3.org/ns/credentials/status/v1': 'w3c_bitstring_status_list_v1.jsonld',
  'https://w3id.org/security/data-integrity/v2': 'w3c_data_integrity_v2.jsonld',
  'https://w3id.org/security/multikey/v1': 'w3c_multikey_v1.jsonld',
};
const documentLoader = async (url) => {
  const name = CONTEXTS[url];
  if (!name) throw new Error(`unshipped context ${url}`);
  return {
    contextUrl: null,
    documentUrl: url,
    document: JSON.parse(readFileSync(join(kit, 'context', name), 'utf8')),
  };
};

try {
  const text = readFileSync(file, 'utf8');
  const canonizeOptions = { maxWorkFactor };
  const out = nquads
    ? await jsonld.canonize(text, {
        algorithm: 'RDFC-1.0', inputFormat: 'application/n-quads',
        format: 'application/n-quads', canonizeOptions })
    : await jsonld.canonize(JSON.parse(text), {
        algorithm: 'RDFC-1.0', format: 'application/n-quads', safe: true, documentLoader,
        canonizeOptions });
  process.stdout.write(out);
} catch (e) {
  const detail = e.details && e.details.event ? ` (${e.details.event.code})` : '';
  process.stdout.write(`ERROR: ${e.message}${detail}\n`);
  process.exit(1);
}
