// A real OpenID Connect provider (oidc-provider) for the single sign-on tests.
//
// It listens on a free loopback port and prints `issuer URL`, then reads ONE
// line of JSON on stdin (the test knows the server's callback only once both
// are started):
//   {"client_id", "client_secret", "redirect_uri",
//    "accounts": [{"id", "email", "password", "name", "title"?, "department"?, "email_verified"?}]}
// then prints `ready`. Its own sign-in and consent pages are plain HTML forms
// that a test completes over HTTP, as a browser would:
//   GET  /interaction/UID          a form (login or consent) with its `action`
//   POST /interaction/UID/login    email=...&password=...
//   POST /interaction/UID/consent  (no fields)
// Claims other than `sub` are served by the userinfo endpoint, not put in the
// ID token (the provider's default, as with several real providers).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

import Provider from 'oidc-provider';

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
console.log(`issuer ${issuer}`);

const lines = createInterface({ input: process.stdin });
const setup = JSON.parse(await new Promise((resolve) => lines.once('line', resolve)));
const accounts = setup.accounts;

const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: 'test-key',
  alg: 'RS256',
  use: 'sig',
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: setup.client_id,
    client_secret: setup.client_secret,
    redirect_uris: [setup.redirect_uri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'title', 'department'],
  },
  pkce: { required: () => true },
  ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = accounts.find((a) => a.id === id);
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        const { password, id: sub, ...claims } = account;
        return { sub, email_verified: true, ...claims };
      },
    };
  },
});

const html = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html><body>${body}</body></html>`);
};

const readForm = (req) => new Promise((resolve, reject) => {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { text += chunk; });
  req.on('end', () => resolve(new URLSearchParams(text)));
  req.on('error', reject);
});

async function interaction(req, res, uid, step) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return html(res, 400, 'this sign-in is not the one in your cookies');
  const { prompt, params, session, grantId } = details;
  if (req.method === 'GET') {
    const action = `/interaction/${uid}/${prompt.name}`;
    if (prompt.name === 'login') {
      return html(res, 200, `<h1>Sign in</h1><form method="post" action="${action}">
        <input name="email"><input name="password" type="password"><button>Sign in</button></form>`);
    }
    return html(res, 200, `<h1>Allow ${params.client_id}?</h1><form method="post" action="${action}">
      <button>Allow</button></form>`);
  }
  if (step !== prompt.name) return html(res, 400, `expected the ${prompt.name} step`);
  const form = await readForm(req);
  if (step === 'login') {
    const account = accounts.find((a) => a.email === form.get('email') && a.password === form.get('password'));
    if (!account) return html(res, 401, 'wrong e-mail or password');
    return provider.interactionFinished(req, res, { login: { accountId: account.id } }, { mergeWithLastSubmission: false });
  }
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const consent = { grantId: await grant.save() };
  return provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
}

const handle = provider.callback();
server.on('request', (req, res) => {
  const match = new URL(req.url, issuer).pathname.match(/^\/interaction\/([^/]+)(?:\/(login|consent))?$/);
  if (!match) return handle(req, res);
  return interaction(req, res, match[1], match[2]).catch((error) => html(res, 500, String(error)));
});
console.log('ready');
