import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqliteStore } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'kept-rows-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('kept rows: the same objects while nothing changes; a write by this process or another on the file shows at once', async () => {
  const file = join(dir, 'accounts.sqlite');
  // Two connections to one file: two API processes.
  const a = new SqliteStore(file);
  const b = new SqliteStore(file);
  try {
    await a.createHousehold({ id: 'h1', name: 'Home', timeZone: 'Europe/Berlin', currency: 'EUR' });
    await a.createUser({ id: 'u1', email: 'u1@example.test', passwordHash: 'x' });
    await a.addMembership({ userId: 'u1', householdId: 'h1', role: 'owner' });
    await a.createDevice({
      id: 'pi',
      householdId: 'h1',
      name: 'Pi',
      secretHash: 's',
      sockets: [{ socket: 0, name: 'Kettle', role: 'socket' }],
      createdAt: new Date(0),
    });
    const read = () =>
      Promise.all([a.userById('u1'), a.membershipOf('u1'), a.householdById('h1'), a.devices('h1')]);
    const first = await read();
    const again = await read();
    first.forEach((row, i) => assert.equal(again[i], row, `row ${i} is the kept object`));
    // Shared by every caller, so frozen.
    assert.throws(() => (first[3] as unknown as unknown[]).push({ name: 'x' }), TypeError);

    // Another process's write shows once the generation is read again (at most a millisecond later).
    const later = () => new Promise((resolve) => setTimeout(resolve, 2));
    // Another process changes the tariff, a socket's name, a role, disables the account.
    await b.updateHousehold('h1', { currency: 'CHF' });
    await later();
    assert.equal((await a.householdById('h1'))?.currency, 'CHF');
    await b.setSocket('h1', 'pi', { socket: 0, name: 'Kettle 2', role: 'socket' });
    await later();
    assert.equal((await a.devices('h1'))[0]?.sockets[0]?.name, 'Kettle 2');
    await b.setRole('u1', 'h1', 'viewer');
    await later();
    assert.equal((await a.membershipOf('u1'))?.role, 'viewer');
    await b.setUserDisabled('u1', true);
    await later();
    assert.equal((await a.userById('u1'))?.disabled, true);
    // This process's own write shows at once; the other's after its next read of the generation.
    await a.setUserDisabled('u1', false);
    assert.equal((await a.userById('u1'))?.disabled, false);
    await later();
    assert.equal((await b.userById('u1'))?.disabled, false);
    assert.equal((await a.userById('u1'))?.disabled, false);
    await b.deleteDevice('h1', 'pi');
    await later();
    assert.deepEqual(await a.devices('h1'), []);
    await b.deleteHousehold('h1');
    await later();
    assert.equal(await a.householdById('h1'), undefined);
    assert.equal(await a.membershipOf('u1'), undefined);
  } finally {
    await a.close();
    await b.close();
  }
});
