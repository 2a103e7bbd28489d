import type { Context } from 'koa';

/** A path parameter from @koa/router, always a string. */
export function param(ctx: Context, name: string): string {
  const params = (ctx as Context & { params?: Record<string, string | undefined> }).params;
  return params?.[name] ?? '';
}
