// Test support: a Hugging Face hub on 127.0.0.1 serving one repo revision (the file-list API and resolve/ downloads
// with Range), recording each request, and able to cut, stall or corrupt the next download of a file. Also an
// endpoint nothing listens on, for offline checks.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../free-port.ts';

export interface FakeHubRequest {
  path: string;
  range: string | null;
  authorization: string | null;
}

export interface FakeHubOptions {
  repo: string;
  revision: string;
  /** File name → content. `.safetensors` files are listed as LFS files (with their sha256), the rest as git files. */
  files: Record<string, string | Buffer>;
}

type Fault = { kind: 'cut' | 'stall'; afterBytes: number } | { kind: 'corrupt' };

export class FakeHub {
  readonly requests: FakeHubRequest[] = [];
  /** Answer 200 with the whole file even when a Range is asked for. */
  ignoreRange = false;
  private readonly faults = new Map<string, Fault>();
  private readonly files: Map<string, Buffer>;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly options: FakeHubOptions,
  ) {
    this.files = new Map(Object.entries(options.files).map(([name, content]) => [name, Buffer.from(content)]));
  }

  static async start(options: FakeHubOptions): Promise<FakeHub> {
    let hub: FakeHub | null = null;
    const server = createServer((request, response) => hub!.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hub = new FakeHub(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
    return hub;
  }

  /** The next download of `name` sends `afterBytes` bytes and then closes the connection. */
  cutNextDownload(name: string, afterBytes: number): void {
    this.faults.set(name, { kind: 'cut', afterBytes });
  }

  /** The next download of `name` sends `afterBytes` bytes and then sends nothing more (until the client gives up). */
  stallNextDownload(name: string, afterBytes: number): void {
    this.faults.set(name, { kind: 'stall', afterBytes });
  }

  /** The next download of `name` sends other bytes than the listed sha256 describes. */
  corruptNextDownload(name: string): void {
    this.faults.set(name, { kind: 'corrupt' });
  }

  downloads(): FakeHubRequest[] {
    return this.requests.filter((request) => request.path.includes('/resolve/'));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', this.endpoint);
    this.requests.push({ path: url.pathname + url.search, range: request.headers.range ?? null, authorization: request.headers.authorization ?? null });
    const { repo, revision } = this.options;
    if (url.pathname === `/api/models/${repo}/revision/${revision}`) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.revisionInfo()));
      return;
    }
    const prefix = `/${repo}/resolve/${revision}/`;
    const content = url.pathname.startsWith(prefix) ? this.files.get(decodeURIComponent(url.pathname.slice(prefix.length))) : undefined;
    if (!content) {
      response.writeHead(404).end('Entry not found');
      return;
    }
    this.sendFile(decodeURIComponent(url.pathname.slice(prefix.length)), content, request, response);
  }

  private revisionInfo(): unknown {
    const siblings = [...this.files].map(([name, content]) =>
      name.endsWith('.safetensors') ? { rfilename: name, size: content.length, lfs: { sha256: createHash('sha256').update(content).digest('hex'), size: content.length } } : { rfilename: name, size: content.length },
    );
    return { id: this.options.repo, sha: this.options.revision, siblings };
  }

  private sendFile(name: string, content: Buffer, request: IncomingMessage, response: ServerResponse): void {
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = range && !this.ignoreRange ? Number(range[1]) : 0;
    if (start >= content.length && start > 0) {
      response.writeHead(416, { 'content-range': `bytes */${content.length}` }).end();
      return;
    }
    const fault = this.faults.get(name);
    this.faults.delete(name);
    let body = content.subarray(start);
    if (fault?.kind === 'corrupt') body = Buffer.from(body.map((byte) => byte ^ 0xff));
    const headers: Record<string, string | number> = { 'content-length': body.length, 'content-type': 'application/octet-stream' };
    if (start > 0) headers['content-range'] = `bytes ${start}-${content.length - 1}/${content.length}`;
    response.writeHead(start > 0 ? 206 : 200, headers);
    if (fault?.kind === 'cut' || fault?.kind === 'stall') {
      response.write(body.subarray(0, fault.afterBytes), () => {
        if (fault.kind === 'cut') setTimeout(() => request.socket.destroy(), 20);
      });
      return;
    }
    response.end(body);
  }
}

/** An endpoint on which nothing listens: a port that was just free. */
export async function closedEndpoint(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}
