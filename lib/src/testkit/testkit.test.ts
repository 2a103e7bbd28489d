import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createVhost, freePort, testRabbitMQ, testVictoriaMetrics, uniqueName } from './index.js';
import { run } from '../services/supervisor.js';

test('createVhost gives an isolated vhost the administrator and added users can use', async () => {
  const rabbit = await testRabbitMQ();
  const vhost = await createVhost('kit');
  assert.match(vhost.name, /^kit-\d+-\d+-[0-9a-f]{6}$/);
  await run('amqp-declare-queue', ['-u', vhost.amqpUrl(), '-q', 'q1', '-d']);
  await vhost.addUser('kit-user', 'pw', { configure: '^$', write: '^amq\\.topic$', read: '^$' });
  await run('amqp-publish', ['-u', vhost.amqpUrl('kit-user', 'pw'), '-e', 'amq.topic', '-r', 'k', '-b', 'x']);
  assert.match(await rabbit.ctl(['list_queues', '-p', vhost.name, 'name']), /\bq1\b/);
  await vhost.delete();
  assert.doesNotMatch(await rabbit.ctl(['list_vhosts']), new RegExp(vhost.name));
});

test('testVictoriaMetrics accepts writes that forceFlush makes queryable', async () => {
  const vm = await testVictoriaMetrics();
  const label = uniqueName('kit');
  const now = Math.floor(Date.now() / 1000) * 1000;
  const line = JSON.stringify({
    metric: { __name__: 'kit_probe', run: label },
    values: [42],
    timestamps: [now],
  });
  const write = await fetch(`${vm.url}/api/v1/import`, { method: 'POST', body: line });
  assert.equal(write.status, 204);
  await vm.forceFlush();
  const q = await fetch(`${vm.url}/api/v1/export?match[]=${encodeURIComponent(`kit_probe{run="${label}"}`)}`);
  assert.match(await q.text(), /"values":\[42\]/);
});

test('uniqueName and freePort never repeat within a run', async () => {
  assert.notEqual(uniqueName('a'), uniqueName('a'));
  assert.ok((await freePort()) > 0);
});
