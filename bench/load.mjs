// A bounded HTTP/1.1 load generator: `connections` keep-alive TCP connections, each sending one fixed,
// pre-built request and waiting for its whole response before the next (no pipelining). It stops at
// `durationMs`, or once `maxRequests` responses arrived, whichever comes first; latencies are kept for
// percentiles. Raw sockets rather than node:http, so that the client is not what limits the rate.
import { connect } from "node:net";

/**
 * @param {{ port: number, request: Buffer, connections: number, durationMs: number, maxRequests?: number,
 *   expectStatus?: number }} options
 * @returns {Promise<{ requests: number, ok: number, errors: number, seconds: number, rps: number,
 *   latenciesMs: Float64Array }>}
 */
export function load({ port, request, connections, durationMs, maxRequests = 10_000_000, expectStatus }) {
  const latencies = new Float64Array(Math.min(maxRequests, 20_000_000));
  let count = 0;
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const more = () => count < maxRequests && performance.now() < deadline;

  const one = () =>
    new Promise((resolveConnection) => {
      const socket = connect({ port, host: "127.0.0.1", noDelay: true });
      let buffer = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        if (!more()) {
          socket.end();
          return resolveConnection();
        }
        sentAt = performance.now();
        socket.write(request);
      };
      socket.on("connect", send);
      socket.on("error", () => {
        errors++;
        resolveConnection();
      });
      socket.on("close", () => resolveConnection());
      socket.on("data", (chunk) => {
        buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
        for (;;) {
          const end = buffer.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = buffer.toString("latin1", 0, end);
          const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          const total = end + 4 + (match ? Number(match[1]) : 0);
          if (buffer.length < total) return;
          const status = Number(head.slice(9, 12));
          buffer = buffer.subarray(total);
          if (count < latencies.length) latencies[count] = performance.now() - sentAt;
          count++;
          if (expectStatus === undefined || status === expectStatus) ok++;
          else errors++;
          send();
        }
      });
    });

  return Promise.all(Array.from({ length: connections }, one)).then(() => {
    const seconds = (performance.now() - start) / 1000;
    return { requests: count, ok, errors, seconds, rps: count / seconds, latenciesMs: latencies.subarray(0, Math.min(count, latencies.length)) };
  });
}

/** The bytes of one HTTP/1.1 request with `headers` (an object) and an optional body. */
export function rawRequest(method, path, host, headers, body = "") {
  const bytes = Buffer.from(body);
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${host}`, "connection: keep-alive", `content-length: ${bytes.length}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`), bytes]);
}
