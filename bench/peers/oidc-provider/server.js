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

const provider = new Provider(issuer, {
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
