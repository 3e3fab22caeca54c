import { createServer } from "node:net";

/** Binds a port as another program would; resolves with a function that lets it go. */
export function occupy(port: number): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () =>
      resolve(() => new Promise((done) => server.close(() => done()))),
    );
  });
}
