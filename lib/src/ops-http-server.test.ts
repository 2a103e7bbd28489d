import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Registry } from 'prom-client';
import { startOpsHttpServer } from './ops-http-server.js';

test('serves /metrics, /healthz, /readyz (503 with the reason until ready) and 404 elsewhere', async () => {
  const registry = new Registry();
  new Counter({ name: 'ops_test_total', help: 'a counter', registers: [registry] }).inc(3);
  let ready = false;
  const server = await startOpsHttpServer({
    port: 0,
    registry,
    isReady: () => ready,
    notReadyText: 'not consuming from the broker',
  });
  try {
    const { address, port } = server.address() as AddressInfo;
    assert.equal(address, '127.0.0.1');
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: res.status, text: await res.text() };
    };
    const metrics = await get('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^ops_test_total 3$/m);
    assert.deepEqual(await get('/healthz'), { status: 200, text: 'ok\n' });
    assert.deepEqual(await get('/readyz'), { status: 503, text: 'not consuming from the broker\n' });
    ready = true;
    assert.deepEqual(await get('/readyz?verbose=1'), { status: 200, text: 'ready\n' });
    assert.equal((await get('/nothing')).status, 404);
  } finally {
    server.close();
  }
});

/** The request vmagent 1.79 sends (captured from a real scrape), on a connection it keeps. */
const VMAGENT_SCRAPE =
  'GET /metrics HTTP/1.1\r\n' +
  'Host: 127.0.0.1\r\n' +
  'User-Agent: vm_promscrape\r\n' +
  'Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1\r\n' +
  'X-Prometheus-Scrape-Timeout-Seconds: 5.000\r\n' +
  'Accept-Encoding: gzip\r\n' +
  '\r\n';

/** Reads one HTTP/1.1 response (Content-Length or chunked) off a kept socket. */
function readResponse(socket: Socket): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (r: { head: string; body: string }) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(r);
    };
    const onClose = () => reject(new Error('the server closed the connection'));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const rest = buf.subarray(end + 4);
      const length = /^content-length: (\d+)$/im.exec(head);
      if (length) {
        if (rest.length >= Number(length[1])) done({ head, body: rest.toString('utf8') });
        return;
      }
      if (!rest.includes('\r\n0\r\n\r\n')) return;
      // De-chunk: size line, data, CRLF, until the zero-size chunk.
      const parts: Buffer[] = [];
      let at = 0;
      for (;;) {
        const eol = rest.indexOf('\r\n', at);
        const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
        if (size === 0) break;
        parts.push(rest.subarray(eol + 2, eol + 2 + size));
        at = eol + 2 + size + 2;
      }
      done({ head, body: Buffer.concat(parts).toString('utf8') });
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

test('a scraper that keeps its connection between scrapes, as vmagent does, finds it open at the next scrape', async () => {
  const registry = new Registry();
  new Counter({ name: 'ops_scrape_total', help: 'a counter', registers: [registry] }).inc();
  const server = await startOpsHttpServer({ port: 0, registry, isReady: () => true, notReadyText: '' });
  const { port } = server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    socket.write(VMAGENT_SCRAPE);
    const first = await readResponse(socket);
    assert.match(first.head, /^HTTP\/1\.1 200/);
    assert.match(first.body, /^ops_scrape_total 1$/m);
    // The server says how long it keeps an idle connection: longer than a
    // scrape interval (15 s here, up to a minute), so vmagent's reuse of it
    // never meets a closed socket (which cost a 2 s retry sleep per scrape).
    const advertised = /^keep-alive: timeout=(\d+)$/im.exec(first.head);
    assert.ok(advertised && Number(advertised[1]) >= 60, `keep-alive header: ${first.head}`);
    assert.doesNotMatch(first.head, /^connection: close$/im);
    // Idle past Node's default keep-alive (5 s), which closed it before.
    await sleep(6_000);
    assert.equal(socket.destroyed, false, 'the server closed the idle scrape connection');
    socket.write(VMAGENT_SCRAPE);
    const second = await readResponse(socket);
    assert.match(second.head, /^HTTP\/1\.1 200/);
    assert.match(second.body, /^ops_scrape_total 1$/m);
  } finally {
    socket.destroy();
    server.close();
  }
});
