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
#verdict.ok { color: #14532d; font-weight: 600; }
#verdict.bad { color: #7f1d1d; font-weight: 600; }
.downloads { padding-left: 1.2rem; }
)css";

// The "verify" button: sends the credential to the server's public verifier and shows what it
// says, check by check.
constexpr std::string_view kBadgeVerifyJs = R"js(
const main = document.querySelector('main[data-credential]');
const button = document.getElementById('verify');
const verdict = document.getElementById('verdict');
if (main && button && verdict) {
  button.addEventListener('click', async () => {
    verdict.className = '';
    verdict.textContent = 'Checking…';
    try {
      const credential = await fetch(main.dataset.credential + '.json').then((r) => r.text());
      const response = await fetch('/v1/verify', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: credential,
      });
      if (!response.ok) {
        verdict.className = '';
        verdict.textContent = 'This server cannot check credentials yet: download the JSON and '
          + 'check it with any Open Badges 3.0 verifier.';
        return;
      }
      const answer = await response.json();
      const failed = (answer.checks || []).filter((c) => !c.ok);
      verdict.className = answer.valid ? 'ok' : 'bad';
      verdict.textContent = answer.valid
        ? 'Verified: the issuer signed this credential, it is unchanged and not revoked.'
        : 'Not valid: ' + failed.map((c) => c.name + ' — ' + c.detail).join('; ');
    } catch (error) {
      verdict.className = 'bad';
      verdict.textContent = 'The check could not run: ' + error;
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
