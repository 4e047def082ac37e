import { type Actor, requireRole } from '@employment/core';
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { principalOf } from './app.ts';
import type { OpenApiDocument } from './openapi.ts';
import {
  bodyProblemResponses,
  idempotencyKeyParameter,
  problemResponse,
  problemSchema,
  unavailableResponse,
} from './openapi-parts.ts';

/**
 * One HTTP operation, written once: its zod schemas both produce the OpenAPI document (which the
 * kit's validator checks every request against) and type the handler bound to it.
 *
 * Schemas must stay inside what JSON Schema can say (no `.refine`, no transforms): the document is
 * what validates requests, so a rule only zod knew would not be checked. A named schema carries
 * `.meta({ id: 'Name' })` and becomes `#/components/schemas/Name`.
 */
export interface OperationSpec<
  P extends z.ZodObject = z.ZodObject,
  Q extends z.ZodObject = z.ZodObject,
  B extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The OpenAPI path template, e.g. `/v1/residents/{residentId}`. */
  path: string;
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  /** The role the caller needs (checked before the handler runs, and documented). */
  role?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The answers, by status: a schema for a JSON body, or none (e.g. 204). */
  responses: Record<number, ResponseSpec>;
  /** Problems this operation may answer beyond the standard ones, by status, with what they mean. */
  problems?: Record<number, string>;
}

export interface ResponseSpec {
  description: string;
  body?: z.ZodType;
  /** Content type of a non-JSON answer (e.g. `text/csv`); its body is described as a string. */
  contentType?: string;
  /** A `Location` header names the created resource. */
  location?: boolean;
}

export type Operation<P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodType> = OperationSpec<
  P,
  Q,
  B
> & { readonly expressPath: string };

export function operation<
  P extends z.ZodObject = z.ZodObject<Record<never, never>>,
  Q extends z.ZodObject = z.ZodObject<Record<never, never>>,
  B extends z.ZodType = z.ZodUndefined,
>(spec: OperationSpec<P, Q, B>): Operation<P, Q, B> {
  return { ...spec, expressPath: spec.path.replace(/\{([^}]+)\}/g, ':$1') };
}

/** The standard problems, and what each means, unless an operation says otherwise. */
const STANDARD_PROBLEMS = {
  invalid: 'The request is malformed or breaks a rule; `errors` lists each field. Nothing is stored.',
  unauthenticated: 'No valid bearer token.',
  forbidden: (role: string) => `The token lacks the role \`${role}\`, or the area lies outside its scope.`,
  rateLimited: 'Rate limit reached; see Retry-After.',
  idempotency: 'The Idempotency-Key was used with another request.',
  inProgress: 'A request with this Idempotency-Key is still in progress; retry after Retry-After.',
};

const COMPONENT_REF = '#/components/schemas/';

/**
 * Turns a zod schema into JSON Schema 2020-12 for the document: named schemas (meta `id`) are
 * lifted into `components` and referred to, everything else stays inline.
 */
function toSchema(schema: z.ZodType, components: Record<string, unknown>): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'throw',
  }) as Record<string, unknown>;
  const defs = (json.$defs ?? {}) as Record<string, unknown>;
  delete json.$defs;
  delete json.$schema;
  for (const [name, def] of Object.entries(defs)) {
    const value = withComponentRefs(def);
    const known = components[name];
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(value))
      throw new Error(`two different schemas are both named ${name}`);
    components[name] = value;
  }
  return withComponentRefs(json) as Record<string, unknown>;
}

function withComponentRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withComponentRefs);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
          ? `${COMPONENT_REF}${v.slice('#/$defs/'.length)}`
          : withComponentRefs(v),
      ]),
    );
  }
  return node;
}

function parametersOf(
  where: 'path' | 'query',
  object: z.ZodObject | undefined,
  components: Record<string, unknown>,
): unknown[] {
  if (!object) return [];
  return Object.entries(object.shape).map(([name, field]) => {
    const schema = field as z.ZodType;
    const description = (schema.meta() as { description?: string } | undefined)?.description;
    const json = toSchema(schema, components);
    delete json.description;
    const optional = schema.safeParse(undefined).success;
    return {
      name,
      in: where,
      required: where === 'path' ? true : !optional,
      ...(description ? { description } : {}),
      schema: json,
    };
  });
}

/** The OpenAPI 3.1 document of a service, from its operations. */
export function openApiDocument(options: {
  title: string;
  version: string;
  description: string;
  tags: Array<{ name: string; description?: string }>;
  operations: Array<Operation<z.ZodObject, z.ZodObject, z.ZodType>>;
}): OpenApiDocument {
  const components: Record<string, unknown> = { Problem: problemSchema };
  const paths: Record<string, Record<string, unknown>> = {};
  const seen = new Set<string>();
  for (const op of options.operations) {
    if (seen.has(op.operationId)) throw new Error(`operationId ${op.operationId} is used twice`);
    seen.add(op.operationId);
    const pathNames = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const declared = Object.keys(op.params?.shape ?? {});
    if (pathNames.join() !== declared.join())
      throw new Error(`${op.operationId}: path parameters ${pathNames.join()} but params ${declared.join()}`);
    const parameters = [
      ...parametersOf('path', op.params, components),
      ...parametersOf('query', op.query, components),
      ...(op.method === 'post' ? [idempotencyKeyParameter] : []),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(op.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.location ? { headers: { Location: { schema: { type: 'string' } } } } : {}),
        ...(response.body
          ? {
              content: {
                [response.contentType ?? 'application/json']: { schema: toSchema(response.body, components) },
              },
            }
          : response.contentType
            ? { content: { [response.contentType]: { schema: { type: 'string' } } } }
            : {}),
      };
    }
    const problems: Record<string, string> = {};
    if (op.params || op.query || op.body) problems['400'] = STANDARD_PROBLEMS.invalid;
    problems['401'] = STANDARD_PROBLEMS.unauthenticated;
    if (op.role) problems['403'] = STANDARD_PROBLEMS.forbidden(op.role);
    if (op.method === 'post') {
      problems['409'] = STANDARD_PROBLEMS.inProgress;
      problems['422'] = STANDARD_PROBLEMS.idempotency;
    }
    problems['429'] = STANDARD_PROBLEMS.rateLimited;
    Object.assign(
      problems,
      Object.fromEntries(Object.entries(op.problems ?? {}).map(([status, text]) => [status, text])),
    );
    for (const [status, text] of Object.entries(problems)) responses[status] = problemResponse(text);
    if (op.body) Object.assign(responses, bodyProblemResponses);
    responses['503'] = unavailableResponse;

    paths[op.path] ??= {};
    if (paths[op.path]![op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is defined twice`);
    paths[op.path]![op.method] = {
      operationId: op.operationId,
      tags: op.tags,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(op.role ? { 'x-required-role': op.role } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toSchema(op.body, components) } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: options.title, version: options.version, description: options.description },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    tags: options.tags,
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}

/** What a bound handler receives: the validated request, typed from the operation's schemas. */
export interface OperationInput<P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  actor: Actor;
  req: Request;
  res: Response;
}

/** What a bound handler answers; `undefined` when it wrote the response itself (e.g. a CSV stream). */
export type OperationReply = { status?: number; body?: unknown; location?: string } | undefined;

/**
 * Serves an operation: the kit has authenticated and validated the request against the document
 * built from the same operation; this checks its role, calls the handler with the typed input and
 * sends the reply, passing any error to the problem handler.
 */
export function bind<P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodType>(
  router: Router,
  op: Operation<P, Q, B>,
  handler: (input: OperationInput<P, Q, B>) => Promise<OperationReply>,
): void {
  const run = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const principal = principalOf(req);
      if (op.role) requireRole(principal, op.role);
      const reply = await handler({
        params: req.params as z.output<P>,
        query: req.query as z.output<Q>,
        body: req.body as z.output<B>,
        actor: { principal, requestId: req.requestId },
        req,
        res,
      });
      if (reply === undefined) return;
      const status = reply.status ?? (op.responses[200] ? 200 : Number(Object.keys(op.responses)[0]));
      res.status(status);
      if (reply.location) res.location(reply.location);
      if (reply.body === undefined) res.end();
      else res.json(reply.body);
    } catch (err) {
      next(err);
    }
  };
  router[op.method](op.expressPath, run);
}
