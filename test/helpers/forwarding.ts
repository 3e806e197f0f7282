// Pieces of the small test proxies that stand between an SDK client and moto and change one
// answer on the way (paging a list moto returns whole, pointing a code URL at a server that
// serves it): read the request, forward it as it came, send the (maybe rewritten) answer back.
import type { IncomingMessage, ServerResponse } from 'node:http';

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** Sends the request to `target` (same method, path, query and headers) and reads the whole answer. */
export async function forward(target: string, req: IncomingMessage, url: URL, body: Buffer): Promise<{ up: Response; payload: Buffer }> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
  const up = await fetch(`${target}${url.pathname}${url.search}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body });
  return { up, payload: Buffer.from(await up.arrayBuffer()) };
}

/** Answers with the upstream status and headers and `payload` (its length and encoding are the payload's own). */
export function reply(res: ServerResponse, up: Response, payload: Buffer): void {
  const out: Record<string, string> = {};
  up.headers.forEach((v, k) => {
    if (!['content-length', 'transfer-encoding', 'content-encoding', 'connection'].includes(k)) out[k] = v;
  });
  res.writeHead(up.status, out);
  res.end(payload);
}
