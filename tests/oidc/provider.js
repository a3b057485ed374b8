// The OpenID provider the console's OpenID Connect test signs in with: oidc-provider (an
// OpenID-certified implementation), installed by scripts/oidc into the npm cache folder.
//
//   RECAPITO_OIDC_PROVIDER=<…/node_modules/oidc-provider> PORT=<port> \
//   CONSOLE_URL=<http://127.0.0.1:port> ACCOUNTS='{"<user uuid>": {…}}' node tests/oidc/provider.js
//
// Issuer http://127.0.0.1:PORT. One client, the console (`recapito-console`): public, PKCE,
// authorization code, its ID tokens signed ES256, redirected to CONSOLE_URL/accesso/oidc/ritorno,
// signed out to CONSOLE_URL/accesso. ACCOUNTS maps account ids (the user UUIDs, typed as the login;
// the password is not checked) to `{ "name", "tenant_id", "roles" }`, the ID token's claims with
// the scopes `profile` and `recapito`, or to `{ "name", "tenants": [{ "tenant_id", "roles",
// "name" }] }` for a user of several tenants: the ID token then lists them in `tenants`, unless
// the authorization request asks for one of them with the `claims` parameter
// (`{"id_token": {"tenant_id": {"value": …}}}`), which it then names in `tenant_id` with its
// roles. Consent is granted without asking (a first-party client).
// The account `aud-altro` gets an ID token whose audience is another client, signed with the
// provider's own key: what a confused or malicious provider would send, which the console must
// refuse. Prints "ready <issuer>" once listening.

import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const moduleDir = process.env.RECAPITO_OIDC_PROVIDER;
const { default: Provider } = await import(pathToFileURL(join(moduleDir, 'lib', 'index.js')).href);

const port = Number(process.env.PORT);
const consoleUrl = process.env.CONSOLE_URL;
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');
const issuer = `http://127.0.0.1:${port}`;
const CLIENT_ID = 'recapito-console';
const WRONG_AUDIENCE_ACCOUNT = 'aud-altro';

// Fresh keys every run: the console and the engine learn them from the discovery document.
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const ecKey = { ...ec, kid: 'es256-1', alg: 'ES256', use: 'sig' };
const rsaKey = { ...rsa, kid: 'rs256-1', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_name: 'Console Recapito',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${consoleUrl}/accesso/oidc/ritorno`],
    post_logout_redirect_uris: [`${consoleUrl}/accesso`],
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [ecKey, rsaKey] },
  cookies: { keys: ['recapito-oidc-test-cookie-key'] },
  pkce: { required: () => true },
  // The ID token carries the scopes' claims (the engine reads tenant_id and roles from it).
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    profile: ['name'],
    recapito: ['tenant_id', 'roles', 'tenants'],
  },
  features: {
    claimsParameter: { enabled: true },
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    const account = accounts[id] ?? (id === WRONG_AUDIENCE_ACCOUNT ? { name: 'Altro destinatario', roles: [] } : null);
    if (!account) return undefined;
    return {
      accountId: id,
      async claims(use, scope, requested) {
        if (!account.tenants) {
          return { sub: id, name: account.name, tenant_id: account.tenant_id, roles: account.roles };
        }
        const asked = requested?.tenant_id?.value;
        const chosen = account.tenants.find((t) => t.tenant_id === asked);
        if (chosen) {
          return { sub: id, name: account.name, tenant_id: chosen.tenant_id, roles: chosen.roles };
        }
        return { sub: id, name: account.name, tenants: account.tenants };
      },
    };
  },
  // A first-party client: every scope it asks is granted without a consent page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile recapito');
    grant.addOIDCClaims(['tenant_id', 'roles', 'tenants']);
    await grant.save();
    return grant;
  },
});

const b64url = (b) => Buffer.from(b).toString('base64url');

// `aud-altro`'s ID token, re-signed for another audience with the provider's ES256 key.
provider.use(async (ctx, next) => {
  await next();
  const token = ctx.path === '/token' && ctx.body && ctx.body.id_token;
  if (!token) return;
  const [h, p] = token.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  if (payload.sub !== WRONG_AUDIENCE_ACCOUNT) return;
  payload.aud = 'un-altro-client';
  payload.azp = 'un-altro-client';
  const input = `${h}.${b64url(JSON.stringify(payload))}`;
  const key = createPrivateKey({ key: ec, format: 'jwk' });
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  ctx.body = { ...ctx.body, id_token: `${input}.${b64url(signature)}` };
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
