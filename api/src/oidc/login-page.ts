/**
 * The provider's sign-in page: the portal's login form (the same fields,
 * labels, classes and stylesheet as api/src/portal/browser/pages/login.ts),
 * rendered on the server so it works before the portal's script loads and
 * posts to the interaction it belongs to. The portal's own session is not
 * touched: the provider keeps its own.
 */
export function loginPage(o: { action: string; client: string; email?: string; error?: string }): string {
  const error = o.error
    ? `<p class="status error" role="status" aria-live="polite">${esc(o.error)}</p>`
    : '<p class="status" role="status" aria-live="polite"></p>';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Log in — Energymonitor</title>
    <link rel="stylesheet" href="/portal/portal.css" />
  </head>
  <body>
    <header><a class="brand" href="/">Energymonitor</a></header>
    <main id="view">
      <h1>Log in</h1>
      <p>to continue to ${esc(o.client)}</p>
      <form class="card narrow" method="post" action="${esc(o.action)}">
        <label class="field"><span>E-mail</span><input id="email" name="email" type="email" autocomplete="username" required value="${esc(o.email ?? '')}" /></label>
        <label class="field"><span>Password</span><input id="password" name="password" type="password" autocomplete="current-password" required /></label>
        <button type="submit">Log in</button>
        ${error}
      </form>
    </main>
  </body>
</html>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
