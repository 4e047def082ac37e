import { createHash } from 'node:crypto';
import type { Request } from 'express';

/**
 * The stamp of one keyed request: the same for every attempt of it (the same client sending the
 * same method and path with the same `Idempotency-Key`), and for no other request. Records a
 * request creates carry it, so a retry after a crash recognises what an earlier attempt of the
 * same request stored and answers as a first, successful attempt would (`created`, not
 * `duplicate`). A hash: the key, which a client may have built from anything, is not kept.
 */
export function requestStamp(clientId: string, method: string, path: string, key: string): string {
  return createHash('sha256')
    .update(`${clientId}\n${method.toUpperCase()} ${path}\n${key}`)
    .digest('base64url');
}

/**
 * The stamp of an authenticated POST carrying an `Idempotency-Key` (the idempotency middleware
 * has already refused a malformed key); null for any other request, whose attempts cannot be told
 * apart from new requests.
 */
export function requestStampOf(req: Request): string | null {
  const key = req.header('idempotency-key');
  if (req.method !== 'POST' || !key || !req.principal) return null;
  return requestStamp(req.principal.clientId, req.method, req.originalUrl.split('?')[0]!, key);
}
