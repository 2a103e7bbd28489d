import type Router from '@koa/router';

/** OpenAPI 3.1 from the registered routes: paths and methods stay in step with the code. */
export function openApiDocument(router: Router): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const layer of router.stack) {
    const path = String(layer.path).replace(/:([A-Za-z]+)/g, '{$1}');
    if (!path.startsWith('/api/') && !path.startsWith('/prometheus/')) continue;
    const entry = (paths[path] ??= {});
    for (const m of layer.methods) {
      if (m === 'HEAD') continue;
      const params = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((x) => ({
        name: x[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      entry[m.toLowerCase()] = {
        ...(params.length ? { parameters: params } : {}),
        responses: {
          default: { description: 'JSON; errors as {"error":{"code","message"}}' },
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Energymonitor API', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
