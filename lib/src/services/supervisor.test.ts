import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, PortInUseError } from './ports.js';
import { processAlive as alive, ServiceStartError, startProcess } from './supervisor.js';

const dir = mkdtempSync(join(tmpdir(), 'energy-supervisor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A child that serves /health on PORT and ignores SIGTERM when asked to.
const serverScript = (ignoreTerm: boolean): string => `
  ${ignoreTerm ? "process.on('SIGTERM', () => console.log('ignoring SIGTERM'));" : ''}
  require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
`;

test('a taken port fails before the start with the port and its variable named', async () => {
  const server = createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    await assert.rejects(
      startProcess({
        name: 'demo-service',
        command: process.execPath,
        args: ['-e', serverScript(false)],
        logFile: join(dir, 'taken.log'),
        ports: [{ port, envVar: 'DEMO_PORT' }],
      }),
      (err: unknown) => {
        assert.ok(err instanceof PortInUseError);
        assert.match(err.message, new RegExp(`demo-service: port ${port} .*DEMO_PORT`));
        return true;
      },
    );
  } finally {
    server.close();
  }
});

test('waits for health, logs the output, and stop() ends a child that ignores SIGTERM', async () => {
  const port = await freePort();
  const logFile = join(dir, 'server.log');
  const p = await startProcess({
    name: 'stubborn',
    command: process.execPath,
    args: ['-e', serverScript(true)],
    env: { PORT: String(port) },
    logFile,
    ports: [{ port, envVar: 'PORT' }],
    health: { url: `http://127.0.0.1:${port}/health` },
    stopTimeoutMs: 500,
  });
  assert.equal(await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text()), 'ok');
  await p.stop();
  assert.equal(p.isRunning(), false);
  assert.equal(alive(p.pid), false);
  const exit = await p.exited;
  assert.equal(exit.signal, 'SIGKILL');
  assert.match(readFileSync(logFile, 'utf8'), /listening[\s\S]*ignoring SIGTERM/);
});

test('kill(signal) reaches the child (fault injection)', async () => {
  const port = await freePort();
  const p = await startProcess({
    name: 'victim',
    command: process.execPath,
    args: ['-e', serverScript(false)],
    env: { PORT: String(port) },
    logFile: join(dir, 'victim.log'),
    health: { url: `http://127.0.0.1:${port}/` },
  });
  p.kill('SIGKILL');
  assert.equal((await p.exited).signal, 'SIGKILL');
  await p.stop(); // idempotent after death
});

test('a child that exits before it is healthy gives an error with its log', async () => {
  await assert.rejects(
    startProcess({
      name: 'crasher',
      command: process.execPath,
      args: ['-e', "console.error('boom: bad config'); process.exit(3)"],
      logFile: join(dir, 'crasher.log'),
      health: { url: 'http://127.0.0.1:9/never' },
    }),
    (err: unknown) => {
      assert.ok(err instanceof ServiceStartError);
      assert.match(err.message, /crasher: exited before it became healthy[\s\S]*boom: bad config/);
      return true;
    },
  );
});

test('a missing binary is a clear start error', async () => {
  await assert.rejects(
    startProcess({ name: 'ghost', command: '/nonexistent/binary', logFile: join(dir, 'ghost.log') }),
    /ghost: cannot start \/nonexistent\/binary/,
  );
});
