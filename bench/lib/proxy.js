// A counting loopback proxy in front of moto: every tool in a benchmark reaches moto through
// it, so each run's object GETs and total requests can be reported (moto cannot say), and
// every tool pays the same small extra hop. It also counts the bytes a tool receives (every
// response byte it forwards), copies (PUT with x-amz-copy-source), and requests that name an
// object (anything with a key: GET, HEAD, PUT, copies, retention).
import { Agent, createServer, request } from 'node:http';

export async function countingProxy(target) {
  const upstream = new URL(target);
  const counts = { requests: 0, objectGets: 0, heads: 0, lists: 0, copies: 0, objectRequests: 0, vaultProbes: 0, retentionPuts: 0, historyPuts: 0, getsByBucket: {}, bytesReceived: 0, objectGetBytes: 0 };
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((req, res) => {
    counts.requests++;
    const [path, query = ''] = (req.url ?? '/').split('?');
    const slash = path.indexOf('/', 1);
    const isObject = slash > 0 && slash < path.length - 1;
    if (isObject) counts.objectRequests++;
    if (isObject && path.endsWith('/.snap-write-check')) counts.vaultProbes++;
    if (req.method === 'PUT' && /(^|&)retention(=|&|$)/.test(query)) counts.retentionPuts++;
    if (req.method === 'PUT' && req.headers['x-amz-copy-source']) counts.copies++;
    if (req.method === 'GET' && isObject) {
      counts.objectGets++;
      const bucket = decodeURIComponent(path.slice(1, slash));
      counts.getsByBucket[bucket] = (counts.getsByBucket[bucket] ?? 0) + 1;
    }
    if (req.method === 'PUT' && isObject && /\/history\/[^?]*\.bundle$/.test(path)) counts.historyPuts++;
    else if (req.method === 'HEAD') counts.heads++;
    else if (req.method === 'GET' && /(^|&)(list-type|versions)|^$/.test(query)) counts.lists++;
    const fwd = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (chunk) => {
        counts.bytesReceived += chunk.length;
        if (req.method === 'GET' && isObject) counts.objectGetBytes += chunk.length;
      });
      up.pipe(res);
    });
    fwd.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(fwd);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    snapshot: () => ({ ...counts, getsByBucket: { ...counts.getsByBucket } }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
