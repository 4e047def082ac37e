import { type DescMessage, fromBinary, type MessageShape } from '@bufbuild/protobuf';
import type { EventEnvelope } from '@employment/contracts';
import type { BaseConfig } from '@employment/core';
import { LocalIssuer } from '@employment/http';
import { type ServiceDefinition, ServiceRuntime, type StartOptions } from '@employment/kit';
import type { Producer } from 'kafkajs';
import mongoose from 'mongoose';
import type { KafkaProbe } from './kafka-probe.ts';

/** An issuer whose JWKS the services under test trust, and tokens for their callers. */
export class TestAuth {
  readonly issuer: LocalIssuer;
  readonly jwksUrl: string;
  private readonly close: () => Promise<void>;

  private constructor(issuer: LocalIssuer, jwksUrl: string, close: () => Promise<void>) {
    this.issuer = issuer;
    this.jwksUrl = jwksUrl;
    this.close = close;
  }

  static async start(): Promise<TestAuth> {
    const issuer = await LocalIssuer.create();
    const { server, jwksUrl } = await issuer.serve();
    return new TestAuth(issuer, jwksUrl, () => new Promise((resolve) => server.close(() => resolve())));
  }

  /** A token of a client (by default the district system of `area`) with `roles`, scoped to `area`. */
  token(area: string, roles: string[], clientId = `district-${area}`): Promise<string> {
    return this.issuer.token({ clientId, roles, areas: [area] });
  }

  stop(): Promise<void> {
    return this.close();
  }
}

export interface TestResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  body: any;
}

export interface RunningService<C extends BaseConfig> {
  runtime: ServiceRuntime<C>;
  url: string;
  request: (
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ) => Promise<TestResponse>;
}

/** Calls a service over HTTP as a client would; the body is parsed when it is JSON. */
export async function callService(
  url: string,
  method: string,
  path: string,
  { token, body, headers = {} }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<TestResponse> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Starts a service in this process on a free port, as its main would, with quick health checks. */
export async function startTestService<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
  options: StartOptions = {},
): Promise<RunningService<C>> {
  const runtime = await ServiceRuntime.start(definition, { healthIntervalMs: 200, ...options });
  const url = `http://127.0.0.1:${runtime.port}`;
  return { runtime, url, request: (method, path, opts) => callService(url, method, path, opts) };
}

/** Drops a test service's database. */
export async function dropDatabase(
  config: Pick<BaseConfig, 'MONGODB_URL' | 'MONGODB_DATABASE'>,
): Promise<void> {
  const connection = await mongoose
    .createConnection(config.MONGODB_URL, { dbName: config.MONGODB_DATABASE })
    .asPromise();
  await connection.dropDatabase().catch(() => undefined);
  await connection.close();
}

/** The events of one type (and subject) a probe received on a topic, decoded, in arrival order. */
export function eventsOf<S extends DescMessage>(
  probe: KafkaProbe,
  topic: string,
  schema: S,
  subject?: string,
): Array<{ envelope: EventEnvelope; payload: MessageShape<S>; offset: string; partition: number }> {
  return probe
    .envelopes(topic)
    .filter((e) => e.envelope.eventType === schema.typeName && (!subject || e.envelope.subject === subject))
    .map((e) => ({
      envelope: e.envelope,
      payload: fromBinary(schema, e.envelope.payload),
      offset: e.record.offset,
      partition: e.record.partition,
    }));
}

/** Publishes built events (as a producing service's relay would) to a topic, for a consumer under test. */
export async function publishEvents(
  producer: Producer,
  topic: string,
  events: Array<{
    key: string;
    value: Uint8Array | Buffer;
    headers: Record<string, string>;
    eventId: string;
  }>,
): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: events.map((e) => ({
      key: e.key,
      value: Buffer.from(e.value),
      headers: { ...e.headers, 'event-id': e.eventId },
    })),
  });
}
