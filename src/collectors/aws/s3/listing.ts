// Lists a bucket's objects exactly. Keys are requested URL-encoded (EncodingType=url) because
// XML 1.0 cannot carry every character a key may hold; they are decoded here, so "%2F" in a
// key stays the three characters it is. Unversioned buckets are listed with ListObjectsV2;
// versioned ones (versioning Enabled or Suspended) with ListObjectVersions, which also
// returns delete markers. The result is sorted by key in UTF-8 byte order (S3's own order),
// versions of one key newest first, as S3 lists them.
import { ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';

export interface ListedObject {
  key: string;
  versionId?: string;
  isLatest?: boolean;
  deleteMarker?: boolean;
  size: number;
  etag: string;
  lastModified: string;
  storageClass: string;
}

/** S3's URL encoding of keys: percent-escapes, and '+' for a space as AWS writes it. */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, '%20'));
}

export function unquoteEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^"(.*)"$/, '$1');
}

function iso(date: Date | undefined): string {
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : '';
}

export interface ListOptions {
  versioned: boolean;
  /** versioned buckets: every version, or the current (non-deleted) one only */
  versions: 'all' | 'latest';
  signal?: AbortSignal;
  /** called once per page, for progress */
  onPage?(count: number): void;
}

export async function listBucket(client: S3Client, bucket: string, options: ListOptions): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  const send = { abortSignal: options.signal };
  if (!options.versioned) {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: 'url', ContinuationToken: token }), send);
      const decode = page.EncodingType === 'url' ? decodeS3Key : (k: string) => k;
      for (const o of page.Contents ?? []) {
        out.push({ key: decode(o.Key ?? ''), size: o.Size ?? 0, etag: unquoteEtag(o.ETag), lastModified: iso(o.LastModified), storageClass: o.StorageClass ?? 'STANDARD' });
      }
      options.onPage?.(page.Contents?.length ?? 0);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } else {
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (;;) {
      const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, EncodingType: 'url', KeyMarker: keyMarker, VersionIdMarker: versionMarker }), send);
      const decode = page.EncodingType === 'url' ? decodeS3Key : (k: string) => k;
      for (const v of page.Versions ?? []) {
        if (options.versions === 'latest' && !v.IsLatest) continue;
        out.push({ key: decode(v.Key ?? ''), versionId: v.VersionId ?? 'null', isLatest: v.IsLatest ?? false, size: v.Size ?? 0, etag: unquoteEtag(v.ETag), lastModified: iso(v.LastModified), storageClass: v.StorageClass ?? 'STANDARD' });
      }
      if (options.versions === 'all') {
        for (const d of page.DeleteMarkers ?? []) {
          out.push({ key: decode(d.Key ?? ''), versionId: d.VersionId ?? 'null', isLatest: d.IsLatest ?? false, deleteMarker: true, size: 0, etag: '', lastModified: iso(d.LastModified), storageClass: '' });
        }
      }
      options.onPage?.((page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0));
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker !== undefined ? decode(page.NextKeyMarker) : undefined;
      versionMarker = page.NextVersionIdMarker;
    }
  }
  return sortListing(out);
}

/**
 * Key in UTF-8 byte order; versions of one key newest first (by last-modified, then as
 * listed). Versions and delete markers come in separate lists, so they are merged here.
 */
export function sortListing(items: ListedObject[]): ListedObject[] {
  const keyed = items.map((item, index) => ({ item, index, bytes: Buffer.from(item.key, 'utf8') }));
  keyed.sort((a, b) => Buffer.compare(a.bytes, b.bytes) || (a.item.isLatest === b.item.isLatest ? 0 : a.item.isLatest ? -1 : 1) || (a.item.lastModified < b.item.lastModified ? 1 : a.item.lastModified > b.item.lastModified ? -1 : 0) || a.index - b.index);
  return keyed.map((k) => k.item);
}
