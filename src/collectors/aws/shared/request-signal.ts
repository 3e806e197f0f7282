// The abort signal handed to every SDK request of this collector. The SDK adds a listener to
// the signal of each request in flight (more than one with retries), so with many requests
// in flight Node warns of a listener leak on the collector's signal. Requests get a signal
// of their own that follows the collector's, with a listener limit that fits the
// concurrency.
import { setMaxListeners } from 'node:events';

export function requestSignal(parent: AbortSignal, concurrency: number): AbortSignal {
  const controller = new AbortController();
  setMaxListeners(Math.max(10, concurrency * 4), controller.signal);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', () => controller.abort(parent.reason), { once: true });
  return controller.signal;
}
