/**
 * Maps a URL a browser fetched to one of the API's route templates
 * (`/api/v1/devices/:id`), or `other`. Histograms are labelled by template,
 * never by the raw URL: ids and query strings would make a series per
 * device and per request, and a hostile client could mint label values.
 */
export const OTHER_ROUTE = 'other';

export class RouteTemplates {
  private readonly patterns: readonly { readonly template: string; readonly segments: readonly string[] }[];

  /** Templates in Koa's syntax; a `:name` segment matches any one segment. */
  constructor(templates: Iterable<string>) {
    const unique = [...new Set(templates)].filter((t) => t.startsWith('/'));
    // Literal segments win over parameters: /devices/mine before /devices/:id.
    this.patterns = unique
      .map((template) => ({ template, segments: template.split('/').slice(1) }))
      .sort((a, b) => paramCount(a.segments) - paramCount(b.segments));
  }

  /** The template of `url` (absolute or a path, query and fragment ignored), or OTHER_ROUTE. */
  match(url: string): string {
    const path = pathOf(url);
    if (path === undefined) return OTHER_ROUTE;
    const segments = path.split('/').slice(1);
    for (const p of this.patterns) {
      if (p.segments.length !== segments.length) continue;
      if (p.segments.every((s, i) => s.startsWith(':') || s === segments[i])) return p.template;
    }
    return OTHER_ROUTE;
  }
}

function paramCount(segments: readonly string[]): number {
  return segments.filter((s) => s.startsWith(':')).length;
}

function pathOf(url: string): string | undefined {
  try {
    // The base only resolves a bare path; an absolute URL keeps its own.
    return new URL(url, 'http://portal.invalid').pathname.replace(/\/+$/, '') || '/';
  } catch {
    return undefined;
  }
}
