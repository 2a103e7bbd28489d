import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { freePort, PortInUseError } from './ports.js';
import { startRabbitMQ, type RabbitMQHandle, type RabbitMQOptions } from './rabbitmq.js';
import { run } from './supervisor.js';

// Against the real broker: a node of the test's own, on free ports.
const baseDir = mkdtempSync('/tmp/energy-rabbitmq-test-');
let opts: RabbitMQOptions;
let broker: RabbitMQHandle;
const seen: { path: string; body: string }[] = [];
const auth = createServer((req: IncomingMessage, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    seen.push({ path: req.url ?? '', body });
    const ok = (req.url ?? '').includes('key=s3cret') && /username=hh1\.dev1/.test(body);
    const pwOk = !req.url?.startsWith('/rabbitmq/user') || /password=pw(&|$)/.test(body);
    res.end(ok && pwOk ? 'allow' : 'deny');
  });
});

async function mgmt(
  path: string,
  user = broker.admin.username,
  pass = broker.admin.password,
): Promise<Response> {
  return fetch(`${broker.managementUrl}/api${path}`, {
    headers: { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` },
  });
}

function nodeRegistered(name: string): boolean {
  const out = execFileSync('sh', ['-c', 'epmd -names 2>/dev/null || true']).toString();
  return out.includes(`name ${name.split('@')[0]} `);
}

/** epmd notices a dead node when its connection drops, which may take a moment. */
async function nodeGone(name: string): Promise<boolean> {
  for (let i = 0; i < 50 && nodeRegistered(name); i++) await new Promise((r) => setTimeout(r, 100));
  return !nodeRegistered(name);
}

before(async () => {
  const authPort = await freePort();
  await new Promise<void>((resolve) => auth.listen(authPort, '127.0.0.1', resolve));
  opts = {
    baseDir,
    nodeName: `energy-svc-test-${process.pid}@localhost`,
    amqpPort: await freePort(),
    distPort: await freePort(),
    managementPort: await freePort(),
    prometheusPort: await freePort(),
    authHttpBaseUrl: `http://127.0.0.1:${authPort}`,
    authHttpKey: 's3cret',
  };
  broker = await startRabbitMQ(opts);
});

after(async () => {
  await broker.stop();
  auth.close();
  rmSync(baseDir, { recursive: true, force: true });
});

test('the administrator may do everything, and the plugins are enabled', async () => {
  const res = await mgmt('/overview');
  assert.equal(res.status, 200);
  const overview = (await res.json()) as {
    exchange_types: { name: string }[];
    listeners: { protocol: string; port: number }[];
  };
  assert.ok(overview.exchange_types.some((t) => t.name === 'x-consistent-hash'));
  assert.ok(overview.listeners.some((l) => l.protocol === 'amqp' && l.port === opts.amqpPort));
  // Loopback only (the management API reports its HTTP listeners as '::', so ask the kernel).
  const sockets = execFileSync('ss', ['-ltnH']).toString();
  for (const port of [opts.amqpPort, opts.managementPort, opts.prometheusPort, opts.distPort]) {
    const local = sockets
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[3] ?? '')
      .filter((a) => a.endsWith(`:${port}`));
    assert.deepEqual(local, [`127.0.0.1:${port}`]);
  }
  assert.match(
    await broker.ctl(['list_permissions', '-p', '/']),
    new RegExp(`${broker.admin.username}\\s+\\.\\*`),
  );
  const metrics = await fetch(`${broker.prometheusUrl}/metrics`);
  assert.equal(metrics.status, 200);
  await metrics.arrayBuffer();
});

test('users the broker does not know are checked by the HTTP backend with the key in the URL', async () => {
  const url = (user: string, pass: string): string => broker.amqpUrl('/', user, pass);
  await run('amqp-publish', ['-u', url('hh1.dev1', 'pw'), '-e', 'amq.topic', '-r', 'hh1.dev1', '-b', 'x']);
  assert.ok(seen.some((s) => s.path.startsWith('/rabbitmq/user?key=s3cret')));
  assert.ok(seen.some((s) => s.path.startsWith('/rabbitmq/vhost?key=s3cret')));
  await assert.rejects(
    run('amqp-publish', ['-u', url('hh1.dev1', 'wrong'), '-e', 'amq.topic', '-r', 'hh1.dev1', '-b', 'x']),
  );
  assert.equal((await mgmt('/overview', 'hh2.dev2', 'pw')).status, 401);
});

test('a port in use is refused before the start, naming its variable', async () => {
  await assert.rejects(
    startRabbitMQ({
      ...opts,
      nodeName: `energy-svc-test2-${process.pid}@localhost`,
      distPort: await freePort(),
    }),
    (err: unknown) => err instanceof PortInUseError && /AMQP_PORT/.test(err.message),
  );
});

test('kill() ends the Erlang VM itself, and a restart keeps the data and the admin', async () => {
  await broker.ctl(['add_vhost', 'kept']);
  broker.kill('SIGKILL');
  await broker.process.exited;
  await broker.stop();
  assert.equal(await nodeGone(opts.nodeName), true);
  broker = await startRabbitMQ(opts);
  assert.match(await broker.ctl(['list_vhosts']), /\bkept\b/);
  assert.equal((await mgmt('/whoami')).status, 200);
});

test('stop() leaves no node behind', async () => {
  await broker.stop();
  assert.equal(broker.process.isRunning(), false);
  assert.equal(await nodeGone(opts.nodeName), true);
});
