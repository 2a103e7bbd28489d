import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vmWriteBase } from './vm-writer.js';

test('written to VM_WRITE_URL, else to a single node; a cluster vmselect alone takes no writes', () => {
  assert.equal(vmWriteBase('http://vm:8428/', undefined), 'http://vm:8428');
  assert.equal(vmWriteBase('http://h:8481/select/0/prometheus', undefined), undefined);
  assert.equal(
    vmWriteBase('http://h:8481/select/0/prometheus', 'http://h:8480/insert/0/prometheus/'),
    'http://h:8480/insert/0/prometheus',
  );
});
