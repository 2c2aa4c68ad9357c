// A TCP port on 127.0.0.1 that nothing listens on right now: the ranks' rendezvous port (torch-runner), and in tests
// and benchmarks a port for a real server, or one to find closed. The port is released before it is returned, so
// another process could take it first; callers use it at once.
import net from 'node:net';

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
