// An independent verifier for our Open Badges 3.0 credentials: Digital Bazaar's VC stack, as
// wallets use it (@digitalbazaar/vc, the eddsa-rdfc-2022 Data Integrity cryptosuite, did:key
// resolution and the Bitstring Status List checker), run offline.
//
//   node tests/interop/verify.mjs INPUT.json
//
// INPUT.json: {"credential": {...}, "documents": {"<url>": {...}}}; `documents` holds the copies
// of our own documents a verifier would fetch (the status list). The document loader serves only
// those, the JSON-LD contexts vendored in tests/fixtures/ob3/contexts, and did:key documents
// derived from the key itself; anything else is refused, so nothing touches the network.
//
// Prints {"verified", "revoked", "error"} as JSON; exit 0 when verified and not revoked, else 1.

import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {CachedResolver} from '@digitalbazaar/did-io';
import * as didKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {verifyCredential} from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const OB3 = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ob3');

// The contexts, from the vendored copies (MAP.txt: URL, file).
const contexts = new Map(
  readFileSync(join(OB3, 'contexts', 'MAP.txt'), 'utf8').split('\n')
    .filter(line => line.trim())
    .map(line => line.trim().split(/\s+/))
    .map(([url, file]) => [url, JSON.parse(readFileSync(join(OB3, file), 'utf8'))]));

const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
const resolver = new CachedResolver();
resolver.use(didKeyDriver);

function documentLoaderFor(documents) {
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    if(url.startsWith('did:key:')) {
      return {contextUrl: null, documentUrl: url, document: await resolver.get({url})};
    }
    if(Object.hasOwn(documents, url)) {
      return {contextUrl: null, documentUrl: url, document: documents[url]};
    }
    throw new Error(`offline: refusing to load ${url}`);
  };
}

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const documentLoader = documentLoaderFor(input.documents || {});
const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

let output;
try {
  const result = await verifyCredential({credential: input.credential, suite, documentLoader, checkStatus});
  const statuses = result.statusResult?.results || [];
  const revoked = statuses.some(({credentialStatus, status}) =>
    credentialStatus?.statusPurpose === 'revocation' && status === true);
  const errors = [result.error, result.statusResult?.error, ...(result.results || []).map(r => r.error)]
    .filter(Boolean).flatMap(e => e.errors || [e]).map(e => e.message || String(e));
  output = {verified: result.verified, revoked, checkedStatus: statuses.length > 0, error: errors.join('; ')};
} catch(error) {
  output = {verified: false, revoked: false, checkedStatus: false, error: error.message};
}
console.log(JSON.stringify(output));
process.exit(output.verified && !output.revoked ? 0 : 1);
