import type { Server } from 'node:http';

/**
 * Routes as `METHOD /path/:param`, the form both listings below use, so a service's express routes
 * and its OpenAPI document can be compared in both directions.
 */
export type RouteKey = string;

/** The endpoints the kit serves itself, outside the OpenAPI document (probes, scrapes, the document). */
export const KIT_ROUTES: readonly RouteKey[] = [
  'GET /healthz',
  'GET /metrics',
  'GET /openapi.json',
  'GET /readyz',
];

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
  slash?: boolean;
}

/**
 * Every route the express app behind a listening server has registered, sorted: the kit's own
 * endpoints and, in routers mounted under it, the service's. Throws on what it cannot express as
 * one method and one path (a route for all methods, a regular-expression path, a router mounted
 * under a path), so a listing never leaves a route out silently.
 */
export function servedRoutes(server: Server): RouteKey[] {
  const [app] = server.listeners('request') as Array<{ router?: { stack: Layer[] } }>;
  if (!app?.router) throw new Error('the server’s request listener is not an express app');
  const out: RouteKey[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const { path, methods } = layer.route;
        if (typeof path !== 'string')
          throw new Error(`a route with a path that is not a string: ${String(path)}`);
        for (const [method, on] of Object.entries(methods)) {
          if (!on) continue;
          if (method === '_all') throw new Error(`a route for all methods at ${path}`);
          out.push(`${method.toUpperCase()} ${path}`);
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        if (!layer.slash && layer.rawPath !== '/')
          throw new Error(
            `a router mounted under ${String(layer.rawPath)}: list its routes with their prefix`,
          );
        walk(layer.handle.stack);
      }
    }
  };
  walk(app.router.stack);
  return out.sort();
}

/** Every operation of an OpenAPI document, its path templates written as express paths, sorted. */
export function documentedRoutes(document: { paths: Record<string, Record<string, unknown>> }): RouteKey[] {
  const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
  const out: RouteKey[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of Object.keys(item)) {
      if (methods.has(method)) out.push(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`);
    }
  }
  return out.sort();
}

/**
 * What the server serves and the document does not say (`undocumented`), and what the document
 * promises and no route serves (`unserved`), and routes registered twice (`duplicated`: the second
 * never runs); the kit's own endpoints left aside. All empty when they agree.
 */
export function compareRoutes(
  server: Server,
  document: { paths: Record<string, Record<string, unknown>> },
): { undocumented: RouteKey[]; unserved: RouteKey[]; duplicated: RouteKey[]; served: RouteKey[] } {
  const served = servedRoutes(server).filter((r) => !KIT_ROUTES.includes(r));
  const documented = documentedRoutes(document);
  return {
    undocumented: served.filter((r) => !documented.includes(r)),
    unserved: documented.filter((r) => !served.includes(r)),
    duplicated: served.filter((r, i) => served.indexOf(r) !== i),
    served,
  };
}
