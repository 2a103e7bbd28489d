import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindParts } from '../../src/store/composed-store.js';

class Counter {
  private n = 0;
  bump(): number {
    return ++this.n;
  }
}

test("a part's methods answer on the target, bound to the part", () => {
  const target: Record<string, unknown> = {};
  const counter = new Counter();
  bindParts(target, [counter, { hello: () => 'hi' }]);
  const bump = target.bump as () => number;
  assert.equal(bump(), 1);
  assert.equal(counter.bump(), 2);
  assert.equal((target.hello as () => string)(), 'hi');
  assert.equal('n' in target, false, 'fields stay with their part');
});

test('a method answered twice is refused, not silently shadowed', () => {
  assert.throws(() => bindParts({}, [new Counter(), new Counter()]), /bump is answered twice/);
  class Composite {
    bump(): number {
      return 0;
    }
  }
  assert.throws(() => bindParts(new Composite(), [new Counter()]), /bump is answered twice/);
});
