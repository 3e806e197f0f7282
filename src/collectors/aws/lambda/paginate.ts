// Following Lambda's Marker/NextMarker pagination to the end. A marker that comes back a second
// time would loop forever, so it ends the listing with an error instead.
import { SnapError } from '../../../errors.js';

export interface Page<T> {
  items: T[] | undefined;
  next: string | undefined;
}

export async function allPages<T>(what: string, fetchPage: (marker: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  for (;;) {
    const page = await fetchPage(marker);
    out.push(...(page.items ?? []));
    if (!page.next) return out;
    if (seen.has(page.next)) throw new SnapError('COLLECTOR_FAILED', `${what}: the service returned the same page marker twice`, { what });
    seen.add(page.next);
    marker = page.next;
  }
}
