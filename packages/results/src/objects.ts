// Where result objects live: a folder (file:///path) or an S3 bucket and prefix (s3://bucket/prefix).
// Both offer the few operations publishing and checking need; neither is trusted to have stored the
// bytes it was given — publish.ts checks every object after writing it.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';

export interface ObjectHead {
  size: number;
  /** Hex MD5 of the stored bytes when the server's ETag is one (a single-part S3 upload); else null. */
  md5: string | null;
  /** The sha256 given at upload (object metadata), if the store keeps metadata. */
  sha256: string | null;
  modifiedMs: number;
}

export interface ObjectDigest {
  md5: Buffer;
  sha256: string;
}

export interface ObjectStore {
  /** Printable location (no credentials). */
  readonly where: string;
  put(key: string, bytes: Uint8Array, digest: ObjectDigest): Promise<void>;
  head(key: string): Promise<ObjectHead | null>;
  get(key: string): Promise<Buffer | null>;
  /** The names one level below `dir` (folders or keys), without the trailing slash. */
  children(dir: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  close(): void;
}

export const md5Of = (bytes: Uint8Array) => createHash('md5').update(bytes).digest();
export const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** file:///path: each object a file; written under a temporary name and renamed, so never half there. */
export class FolderStore implements ObjectStore {
  readonly where: string;
  constructor(private readonly root: string) {
    this.where = `file://${root}`;
  }
  private path(key: string) {
    return join(this.root, ...key.split('/'));
  }
  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, bytes, { flush: true });
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
  async head(key: string): Promise<ObjectHead | null> {
    const s = await stat(this.path(key)).catch(() => null);
    return s?.isFile() ? { size: s.size, md5: null, sha256: null, modifiedMs: s.mtimeMs } : null;
  }
  async get(key: string): Promise<Buffer | null> {
    return readFile(this.path(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
  }
  async children(dir: string): Promise<string[]> {
    const names = await readdir(this.path(dir)).catch(() => [] as string[]);
    return names.filter((n) => !n.includes('.tmp-')).sort();
  }
  async delete(key: string): Promise<void> {
    const path = this.path(key);
    await rm(path, { force: true });
    // The run's folder goes with its last file.
    await rmdir(dirname(path)).catch(() => undefined);
  }
  close(): void {}
}

export interface S3Location {
  bucket: string;
  /** Key prefix without slashes at either end; '' for the bucket's root. */
  prefix: string;
}

/** The standard AWS variables: endpoint (an S3-compatible server, then addressed path-style), region, keys. */
export function s3ClientConfig(env: NodeJS.ProcessEnv): S3ClientConfig {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const maxAttempts = Number(env.AWS_MAX_ATTEMPTS);
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
    ...(Number.isInteger(maxAttempts) && maxAttempts > 0 ? { maxAttempts } : {}),
    // Since 3.729 the SDK adds CRC32 checksums (and aws-chunked bodies) by default, which S3-compatible
    // servers reject or store verbatim; we send Content-MD5 and check every object ourselves instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

/** s3://bucket/prefix through @aws-sdk/client-s3: single-part PUTs with Content-MD5 and the sha256 as metadata. */
export class BucketStore implements ObjectStore {
  readonly where: string;
  private readonly client: S3Client;
  constructor(
    private readonly location: S3Location,
    env: NodeJS.ProcessEnv,
  ) {
    const config = s3ClientConfig(env);
    // The SDK warns on every run that releases from 2027 need Node 22; this lockfile pins one that
    // runs on Node 20 (the project's), so the warning would only clutter each command's stderr.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client(config);
    this.where = `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}${config.endpoint ? ` at ${String(config.endpoint)}` : ''}`;
  }
  private key(key: string) {
    return this.location.prefix ? `${this.location.prefix}/${key}` : key;
  }
  async put(key: string, bytes: Uint8Array, digest: ObjectDigest): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.key(key),
        Body: bytes,
        ContentLength: bytes.length,
        ContentMD5: digest.md5.toString('base64'),
        Metadata: { sha256: digest.sha256 },
        ContentType: key.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      }),
    );
  }
  async head(key: string): Promise<ObjectHead | null> {
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
      const etag = (h.ETag ?? '').replace(/"/g, '').toLowerCase();
      return {
        size: h.ContentLength ?? 0,
        md5: /^[0-9a-f]{32}$/.test(etag) ? etag : null,
        sha256: h.Metadata?.sha256 ?? null,
        modifiedMs: h.LastModified?.getTime() ?? 0,
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }
  async get(key: string): Promise<Buffer | null> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }
  async children(dir: string): Promise<string[]> {
    const prefix = `${this.key(dir)}/`;
    const names = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) names.add(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
      for (const o of page.Contents ?? []) if (o.Key) names.add(o.Key.slice(prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return [...names].sort();
  }
  async delete(key: string): Promise<void> {
    // One DeleteObject per key: DeleteObjects always carries a checksum S3 look-alikes may refuse.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
  }
  close(): void {
    this.client.destroy();
  }
}

/** CQT_RESULTS_URL → its store; null when the text is not file:///… or s3://bucket[/prefix]. */
export function openObjectStore(url: string, env: NodeJS.ProcessEnv): ObjectStore | null {
  if (url.startsWith('file:///')) return new FolderStore(fileURLToPath(url).replace(/\/+$/, '') || '/');
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) return null;
  return new BucketStore({ bucket: m[1], prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') }, env);
}
