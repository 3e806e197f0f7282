// API Gateway's own pagination: list calls take `limit` and `position` and answer with
// `items` (or `item`) and the next `position`. One loop for all of them, so no list is read
// only in part.
export interface ApigwPage<T> {
  items?: T[] | undefined;
  item?: T[] | undefined;
  position?: string | undefined;
}

export async function allPages<T>(fetch: (position: string | undefined) => Promise<ApigwPage<T>>): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let position: string | undefined;
  do {
    const page = await fetch(position);
    out.push(...(page.items ?? page.item ?? []));
    position = page.position || undefined;
    // A server that hands back a position it already gave would loop forever.
    if (position !== undefined) {
      if (seen.has(position)) throw new Error(`API Gateway repeated the page position ${position}`);
      seen.add(position);
    }
  } while (position !== undefined);
  return out;
}
