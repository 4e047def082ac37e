import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * The public surface of an OpenAPI document, one line per operation: method, path, operation id,
 * parameters (name, where, required) and every documented status, sorted. Comparing it with the
 * committed copy shows any change of a service's HTTP API in review, as `buf breaking` does for
 * events.
 */
export function apiSurface(document: { paths: Record<string, Record<string, unknown>> }): string[] {
  const lines: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const op = item[method] as
        | {
            operationId: string;
            parameters?: Array<{ name: string; in: string; required?: boolean }>;
            requestBody?: { required?: boolean };
            responses?: Record<string, unknown>;
          }
        | undefined;
      if (!op) continue;
      const params = (op.parameters ?? [])
        .map((p) => `${p.in}:${p.name}${p.required ? '' : '?'}`)
        .sort()
        .join(',');
      const body = op.requestBody ? (op.requestBody.required ? ' body' : ' body?') : '';
      const statuses = Object.keys(op.responses ?? {})
        .sort()
        .join(' ');
      lines.push(`${method.toUpperCase()} ${path} ${op.operationId} [${params}]${body} -> ${statuses}`);
    }
  }
  return lines.sort();
}

/** The services of the repository that serve an OpenAPI document (`services/<name>/src/openapi.ts`). */
export function servicesWithDocuments(root: string): string[] {
  return readdirSync(join(root, 'services'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'services', d.name, 'src', 'openapi.ts')))
    .map((d) => d.name)
    .sort();
}
