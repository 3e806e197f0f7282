// A weighted semaphore over bytes: how much object content may be downloading at once. The
// request limit (`concurrency`) suits small objects; for large ones, many parallel streams
// only add CPU (more buffers, more garbage collection) and memory without adding throughput,
// so large downloads also take their size from this budget. An object larger than the whole
// budget still runs, alone. Waiters are served in arrival order.
export type ByteBudget = <T>(bytes: number, task: () => Promise<T>) => Promise<T>;

export function createByteBudget(total: number): ByteBudget {
  let available = total;
  const waiting: { need: number; wake: () => void }[] = [];
  const pump = () => {
    while (waiting.length > 0 && waiting[0]!.need <= available) {
      const next = waiting.shift()!;
      available -= next.need;
      next.wake();
    }
  };
  return async (bytes, task) => {
    const need = Math.min(Math.max(bytes, 0), total);
    if (waiting.length > 0 || need > available) await new Promise<void>((wake) => waiting.push({ need, wake }));
    else available -= need;
    try {
      return await task();
    } finally {
      available += need;
      pump();
    }
  };
}
