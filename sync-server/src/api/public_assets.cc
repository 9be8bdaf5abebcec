#include "api/public_assets.h"

#include <array>

namespace cairn::server {
namespace {

// Readable at 200% zoom, contrast at least 4.5:1 for text (WCAG AA), visible focus.
constexpr std::string_view kBadgeCss = R"css(
:root { color-scheme: light; --ink: #1b2430; --muted: #4a5568; --line: #d5dbe3; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #f5f7fa; }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem; background: #fff; min-height: 100vh; }
header.badge { display: flex; gap: 1.5rem; align-items: flex-start; flex-wrap: wrap;
               border-bottom: 1px solid var(--line); padding-bottom: 1.25rem; }
header.badge img { width: 12rem; height: 12rem; object-fit: contain; }
.kind { margin: 0; color: var(--muted); font-size: .9rem; text-transform: uppercase;
        letter-spacing: .05em; }
h1 { margin: .2rem 0 .6rem; font-size: 1.8rem; line-height: 1.2; }
h2 { font-size: 1.25rem; margin-top: 1.75rem; }
h3 { font-size: 1.05rem; margin-bottom: .25rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
.status { display: inline-block; padding: .3rem .7rem; border-radius: .3rem; font-weight: 600; }
.status.valid { background: #e3f4e8; color: #14532d; }
.status.revoked { background: #fde2e1; color: #7f1d1d; }
.status.expired { background: #fdf0d5; color: #713f12; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); }
a { color: var(--accent); }
button { font: inherit; padding: .5rem 1rem; border: 2px solid var(--accent); border-radius: .3rem;
         background: var(--accent); color: #fff; cursor: pointer; }
a:focus-visible, button:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
#verdict .ok { color: #14532d; font-weight: 600; }
#verdict .bad { color: #7f1d1d; font-weight: 600; }
.downloads { padding-left: 1.2rem; }
figure.qr { margin: .5rem 0 0; }
figure.qr svg { width: 16rem; height: 16rem; display: block; border: 1px solid var(--line); }
)css";

// The "verify" button. Two checks, each shown on its own line: the page itself verifies the
// VC-JWT's RS256 signature with the browser's WebCrypto against the key its `kid` names (no
// trust in this server's verdict needed for that), then asks the server's public verifier
// (POST /v1/verify) for the whole verdict: the embedded Data Integrity proof, the dates and the
// live revocation status.
constexpr std::string_view kBadgeVerifyJs = R"js(
const main = document.querySelector('main[data-credential]');
const button = document.getElementById('verify');
const verdict = document.getElementById('verdict');

function base64url(text) {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

// The VC-JWT's signature, checked here in the browser. Resolves to a sentence, throws on failure.
async function checkJwsInPage(credentialUrl) {
  const jws = (await fetch(credentialUrl + '.jws').then((r) => r.text())).trim();
  const [header, payload, signature] = jws.split('.');
  const { alg, kid } = JSON.parse(new TextDecoder().decode(base64url(header)));
  if (alg !== 'RS256' || !kid) throw new Error('the VC-JWT is not RS256 with a kid');
  const jwk = await fetch(kid).then((r) => { if (!r.ok) throw new Error('key ' + kid + ' not found'); return r.json(); });
  const key = await crypto.subtle.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
  const signed = new TextEncoder().encode(header + '.' + payload);
  const ok = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, base64url(signature), signed);
  if (!ok) throw new Error('the VC-JWT signature does not match key ' + kid);
  return 'Signature checked in this page: the VC-JWT is signed by key ' + kid + '.';
}

function line(text, ok) {
  const p = document.createElement('span');
  p.className = ok ? 'ok' : 'bad';
  p.textContent = text;
  verdict.append(p, document.createElement('br'));
}

if (main && button && verdict) {
  button.addEventListener('click', async () => {
    verdict.replaceChildren();
    button.disabled = true;
    try {
      line(await checkJwsInPage(main.dataset.credential), true);
    } catch (error) {
      line('Signature check in this page failed: ' + error.message, false);
    }
    try {
      const credential = await fetch(main.dataset.credential + '.json').then((r) => r.text());
      const response = await fetch('/v1/verify', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: credential,
      });
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.message || response.statusText);
      const failed = (answer.checks || []).filter((c) => !c.ok);
      line(answer.valid
        ? 'Verified by the issuer\'s host: the embedded proof is the issuer\'s, the credential is unchanged, within its dates and not revoked.'
        : 'Not valid: ' + failed.map((c) => c.name + ' — ' + c.detail).join('; '), answer.valid);
    } catch (error) {
      line('The full check could not run: ' + error.message, false);
    } finally {
      button.disabled = false;
    }
  });
}
)js";

constexpr std::array<PublicAsset, 2> kAssets = {{
    {"/assets/badge.css", "text/css; charset=utf-8", kBadgeCss},
    {"/assets/badge-verify.js", "text/javascript; charset=utf-8", kBadgeVerifyJs},
}};

}  // namespace

const PublicAsset* FindPublicAsset(std::string_view path) {
  for (const PublicAsset& asset : kAssets) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace cairn::server
