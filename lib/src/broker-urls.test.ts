import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig } from './config.js';
import {
  BrokerAddressRing,
  brokerUrls,
  brokerUrlsField,
  parseBrokerUrls,
  startIndexFor,
} from './broker-urls.js';
import { field } from './config.js';

test('AMQP_URLS: comma-separated, trimmed, duplicates dropped, bad entries named without their password', () => {
  assert.deepEqual(parseBrokerUrls(' amqp://a:5672/%2F, amqps://b:5671 ,,amqp://a:5672/%2F'), {
    urls: ['amqp://a:5672/%2F', 'amqps://b:5671'],
    problems: [],
  });
  const bad = parseBrokerUrls('http://x, amqp://u:secret@, amqp://ok:5672');
  assert.deepEqual(bad.urls, ['amqp://ok:5672']);
  assert.equal(bad.problems.length, 2);
  assert.match(bad.problems[0] ?? '', /http:\/\/x is not an amqp/);
  assert.ok(!bad.problems.join(' ').includes('secret'));
  assert.deepEqual(parseBrokerUrls(' , ').problems, ['AMQP_URLS holds no address']);
});

test('AMQP_URLS wins over AMQP_URL; unset keeps the one AMQP_URL', () => {
  const spec = {
    list: ['AMQP_URLS', brokerUrlsField()],
    one: ['AMQP_URL', field.url('amqp://d:5672')],
  } as const;
  const both = readConfig(spec, { AMQP_URLS: 'amqp://a:1,amqp://b:2', AMQP_URL: 'amqp://c:3' });
  assert.deepEqual(brokerUrls(both.list, both.one), ['amqp://a:1', 'amqp://b:2']);
  const single = readConfig(spec, { AMQP_URL: 'amqp://c:3' });
  assert.deepEqual(brokerUrls(single.list, single.one), ['amqp://c:3']);
  assert.throws(() => readConfig(spec, { AMQP_URLS: 'nonsense' }), /AMQP_URLS: nonsense is not a URL/);
});

test('failover goes round the ring from a start that spreads clients over the nodes', () => {
  const ring = new BrokerAddressRing(['a', 'b', 'c'], 4);
  assert.equal(ring.current, 'b');
  assert.deepEqual([ring.advance(), ring.advance(), ring.advance()], ['c', 'a', 'b']);
  assert.throws(() => new BrokerAddressRing([]), /no broker address/);
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) counts[startIndexFor(`hh${i}.dev`, 3)]! += 1;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `uneven spread ${counts.join('/')}`);
  assert.equal(startIndexFor('same', 3), startIndexFor('same', 3));
  assert.equal(startIndexFor('x', 1), 0);
});
