import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyAnswer, unanswered } from './grafana-attempt.js';
import { GrafanaError } from './grafana-provisioner.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

test('answers the caller reads, failures worth another try, and the wait Grafana asked for', () => {
  const cases: [status: number, retryAfter: string | null, kind: string, retryAfterMs?: number][] = [
    [200, null, 'answered'],
    [404, null, 'answered'],
    [409, '5', 'answered'],
    [401, null, 'answered'],
    [500, null, 'retryable'],
    // Retry-After only means something on 429 and 503.
    [502, '5', 'retryable'],
    [503, '2', 'retryable', 2000],
    [429, 'Tue, 01 Dec 2026 12:00:03 GMT', 'retryable', 3000],
    [429, 'soon', 'retryable'],
  ];
  for (const [status, retryAfter, kind, ms] of cases) {
    const a = classifyAnswer('POST /api/orgs', { status, body: undefined }, retryAfter, NOW);
    assert.equal(a.kind, kind, `${status} ${retryAfter}`);
    if (a.kind === 'retryable') {
      assert.equal(a.retryAfterMs, ms, `${status} ${retryAfter}`);
      assert.ok(a.error.retryable);
      assert.equal(a.error.status, status);
      assert.equal(a.error.message, `Grafana answered ${status} to POST /api/orgs`);
    }
  }
});

test('no answer at all is retryable and keeps its cause', () => {
  const cause = new Error('ECONNREFUSED');
  const a = unanswered('GET /api/orgs/name/x', cause);
  assert.equal(a.kind, 'retryable');
  assert.ok(a.kind === 'retryable' && a.error instanceof GrafanaError && a.error.retryable);
  assert.equal(a.kind === 'retryable' ? a.error.cause : undefined, cause);
});
