// node oidc-provider as a benchmark peer (bench/run.sh, `Bench load --peer oidc-provider`).
// In-memory adapter (oidc-provider's default MemoryAdapter: nothing is durable), JWT access tokens
// signed with PEER_ALG (ES256 or EdDSA) through resource indicators, client_credentials, and RFC 7591
// registration behind one initial access token (PEER_IAT). GET /health/ready answers 200 once listening.
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PEER_PORT || 3000);
const alg = process.env.PEER_ALG || 'ES256';
const iat = process.env.PEER_IAT;
if (!iat) throw new Error('PEER_IAT (the initial access token) is required');
const issuer = `http://127.0.0.1:${port}`;
const resource = 'urn:gatehouse-bench:api';

const key = alg === 'EdDSA'
  ? generateKeyPairSync('ed25519').privateKey
  : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const jwk = { ...key.export({ format: 'jwk' }), alg, use: 'sig', kid: 'bench-' + alg };

// PEER_STORE=map (bench/run.sh fleet): an unbounded in-memory store instead of the default MemoryAdapter, which keeps
// at most 1,000 entries of each kind (an LRU) and so forgets most clients of a 20,000-client fleet.
const stores = new Map();
class MapAdapter {
  constructor(name) {
    this.name = name;
    if (!stores.has(name)) stores.set(name, new Map());
    this.store = stores.get(name);
  }
  async upsert(id, payload, expiresIn) {
    this.store.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
  }
  async find(id) {
    const e = this.store.get(id);
    if (!e) return undefined;
    if (e.expiresAt && e.expiresAt < Date.now()) { this.store.delete(id); return undefined; }
    return e.payload;
  }
  async findByUid(uid) {
    for (const [id, e] of this.store) if (e.payload.uid === uid) return this.find(id);
    return undefined;
  }
  async findByUserCode(code) {
    for (const [id, e] of this.store) if (e.payload.userCode === code) return this.find(id);
    return undefined;
  }
  async consume(id) {
    const e = this.store.get(id);
    if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    this.store.delete(id);
  }
  async revokeByGrantId(grantId) {
    for (const [id, e] of this.store) if (e.payload.grantId === grantId) this.store.delete(id);
  }
}

const provider = new Provider(issuer, {
  ...(process.env.PEER_STORE === 'map' ? { adapter: MapAdapter } : {}),
  jwks: { keys: [jwk] },
  clientDefaults: {
    grant_types: ['client_credentials'],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: alg,
  },
  enabledJWA: { clientAuthSigningAlgValues: ['ES256', 'EdDSA'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    registration: { enabled: true, initialAccessToken: iat },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: '',
        audience: resource,
        accessTokenTTL: 300,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg } },
      }),
    },
  },
});
provider.proxy = false;

const callback = provider.callback();
createServer((req, res) => {
  if (req.url === '/health/ready') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ready');
    return;
  }
  callback(req, res);
}).listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ${alg} listening on ${issuer} (pid ${process.pid})`);
});
