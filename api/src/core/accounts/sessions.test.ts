import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../errors.js';
import type { Membership, RefreshToken, User } from '../../store/accounts-store.js';
import {
  endSession,
  issueSession,
  refreshSession,
  REFRESH_TOKEN_DAYS,
  type SessionDeps,
} from './sessions.js';

/** Refresh tokens, one user and one membership in memory: what the session domain reads and writes. */
function fakeDeps(start = Date.parse('2026-12-01T12:00:00Z')) {
  const tokens = new Map<string, RefreshToken>();
  const user: User = {
    id: 'u1',
    email: 'a@example.com',
    displayName: 'a@example.com',
    passwordHash: 'x',
    disabled: false,
    createdAt: new Date(0),
  };
  const membership: Membership = { userId: 'u1', householdId: 'h1', role: 'owner' };
  let now = start;
  const deps: SessionDeps = {
    store: {
      createRefreshToken: (t) => {
        tokens.set(t.id, { ...t, usedAt: null, revokedAt: null });
        return Promise.resolve();
      },
      refreshTokenByHash: (hash) => Promise.resolve([...tokens.values()].find((t) => t.tokenHash === hash)),
      markRefreshTokenUsed: (id, at) => {
        const t = tokens.get(id);
        if (!t || t.usedAt) return Promise.resolve(false);
        tokens.set(id, { ...t, usedAt: at });
        return Promise.resolve(true);
      },
      revokeFamily: (familyId, at) => {
        for (const [id, t] of tokens) if (t.familyId === familyId) tokens.set(id, { ...t, revokedAt: at });
        return Promise.resolve();
      },
      userById: (id) => Promise.resolve(id === user.id ? user : undefined),
      membershipOf: (id) => Promise.resolve(id === user.id ? membership : undefined),
    },
    tokens: { sign: (c) => `jwt:${c.sub}:${c.hh}` },
    now: () => new Date(now),
  };
  return { deps, tokens, advance: (ms: number) => (now += ms) };
}

const refused = (code: string) => (e: unknown) => e instanceof ApiError && e.code === code;

test('a refresh rotates within the family: the old token is spent, the new one works', async () => {
  const { deps, tokens } = fakeDeps();
  const first = await issueSession(deps, 'u1', 'h1');
  assert.equal(first.accessToken, 'jwt:u1:h1');
  const second = await refreshSession(deps, first.refreshToken);
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.equal(new Set([...tokens.values()].map((t) => t.familyId)).size, 1);
  await refreshSession(deps, second.refreshToken);
});

test('reusing a spent refresh token revokes the whole family, the newest token too', async () => {
  const { deps, tokens } = fakeDeps();
  const first = await issueSession(deps, 'u1', 'h1');
  const second = await refreshSession(deps, first.refreshToken);
  await assert.rejects(
    refreshSession(deps, first.refreshToken),
    (e: unknown) => refused('invalid_token')(e) && /already used/.test((e as Error).message),
  );
  assert.ok([...tokens.values()].every((t) => t.revokedAt !== null));
  await assert.rejects(refreshSession(deps, second.refreshToken), refused('invalid_token'));
  // Another login is another family and is not touched.
  const other = await issueSession(deps, 'u1', 'h1');
  await refreshSession(deps, other.refreshToken);
});

test('expired, unknown and logged-out refresh tokens are refused', async () => {
  const { deps, advance } = fakeDeps();
  const s = await issueSession(deps, 'u1', 'h1');
  await assert.rejects(refreshSession(deps, 'rt_nope'), refused('invalid_token'));
  await endSession(deps, 'rt_nope');
  const t = await issueSession(deps, 'u1', 'h1');
  await endSession(deps, t.refreshToken);
  await assert.rejects(refreshSession(deps, t.refreshToken), refused('invalid_token'));
  advance(REFRESH_TOKEN_DAYS * 86_400_000);
  await assert.rejects(refreshSession(deps, s.refreshToken), refused('invalid_token'));
});
