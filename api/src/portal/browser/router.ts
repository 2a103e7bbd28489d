// Real URLs with the history API: each page a path, reload and back/forward work.

export interface PageContext {
  readonly view: HTMLElement;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly hash: URLSearchParams;
  /** Aborted when the page is left: timers and late answers stop. */
  readonly signal: AbortSignal;
}

export interface Route {
  readonly pattern: RegExp;
  readonly keys: string[];
  readonly title: string;
  /** Pages anyone can open (login, invite). */
  readonly open?: boolean;
  readonly render: (ctx: PageContext) => Promise<void> | void;
}

export function route(path: string, title: string, render: Route['render'], open = false): Route {
  const keys: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/:(\w+)/g, (_m, k: string) => {
      keys.push(k);
      return '([^/]+)';
    })}/?$`,
  );
  return { pattern, keys, title, render, open };
}

export function match(
  routes: readonly Route[],
  pathname: string,
): { route: Route; params: Record<string, string> } | null {
  for (const r of routes) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
    return { route: r, params };
  }
  return null;
}

let onNavigate: () => void = () => undefined;
export function listen(fn: () => void): void {
  onNavigate = fn;
  window.addEventListener('popstate', fn);
  // Same-origin links navigate without a reload.
  document.addEventListener('click', (ev) => {
    const a = (ev.target as Element | null)?.closest?.('a');
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
    if (a.origin !== location.origin || a.hasAttribute('download') || a.target) return;
    if (a.pathname.startsWith('/api/')) return;
    ev.preventDefault();
    navigate(a.pathname + a.search + a.hash);
  });
}

export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  onNavigate();
}
