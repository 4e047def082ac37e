import { Writable } from 'node:stream';
import { scrubNationalIds } from '@employment/identifiers';
import { trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs, one line per entry, with the active trace and span ids.
 *
 * National ID numbers must never reach a log, whatever field or message they hide in (an error
 * echoing user input, a stack trace): the last step before the output scrubs every ID-shaped
 * number from the finished line, so no code path can forget to.
 */
export function createLogger(options: {
  service: string;
  level?: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  const out = options.destination ?? process.stdout;
  const scrubbing = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.write(scrubNationalIds(chunk.toString('utf8')));
      done();
    },
  });
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const ctx = span.spanContext();
        return { trace_id: ctx.traceId, span_id: ctx.spanId };
      },
      redact: {
        paths: [
          'nationalId',
          '*.nationalId',
          'idNumber',
          '*.idNumber',
          'req.headers.authorization',
          'headers.authorization',
          'password',
          '*.password',
        ],
        censor: '[redacted]',
      },
      serializers: { err: pino.stdSerializers.err },
    },
    scrubbing,
  );
}
