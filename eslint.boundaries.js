// The import boundaries of the house (docs/architecture.md), as lint rules:
// `npm run check` fails on an import across a wall, and
// test/boundaries.test.ts shows each kind of wall catching one.
//
// Three walls:
// 1. Rooms: which of our packages a top-level folder may import
//    (`no-restricted-imports` on the package names).
// 2. Relative escapes: no file reaches into another folder with `../`
//    past its own room's root; a room is entered by its package name only.
// 3. Every `core/` folder holds logic without I/O: no adapter package
//    (`@typescript-eslint/no-restricted-imports`, a second rule so it adds
//    to wall 1 instead of replacing it) and no global `fetch`.

/** Our packages by room (the npm workspace names are `@energy/<room>`). */
const PACKAGES = ['lib', 'device', 'exporters', 'collector', 'api', 'compose', 'bench'];

/**
 * What each room may import of ours; `'*'` is anything. A package's own
 * tests (e.g. collector/test) live in its room.
 */
export const ROOMS = {
  lib: [],
  device: ['lib'],
  exporters: ['device', 'lib'],
  collector: ['lib'],
  api: ['lib'],
  compose: ['lib'],
  grafana: ['lib'],
  alerting: ['compose', 'lib'],
  test: ['compose', 'lib'],
  'test/e2e': '*',
  bench: '*',
};

/** Packages that talk to the outside world: a `core/` folder imports none of them. */
export const ADAPTER_PACKAGES = [
  'amqplib',
  'better-sqlite3',
  'mongoose',
  'koa',
  '@koa/router',
  'node:http',
  'node:https',
  'node:net',
  'http',
  'https',
  'net',
];

const SOURCES = ['ts', 'mts', 'js', 'mjs'];
/** Folder depth inside a room that the relative-escape wall covers (deeper files are not expected). */
const MAX_DEPTH = 8;

function packageWall(room) {
  const allowed = ROOMS[room];
  if (allowed === '*') return [];
  const own = room.split('/')[0];
  const banned = PACKAGES.filter((p) => p !== own && !allowed.includes(p));
  if (banned.length === 0) return [];
  return [
    {
      group: banned.flatMap((p) => [`@energy/${p}`, `@energy/${p}/*`]),
      message: `${room}/ may import ${allowed.length ? allowed.map((p) => `@energy/${p}`).join(', ') : 'none of our packages'} (docs/architecture.md).`,
    },
  ];
}

function escapeWall(room, depth) {
  // From a file `depth` folders below the room's root, `depth + 1` times `../` leaves the room.
  return [
    {
      regex: `^(\\.\\./){${depth + 1},}`,
      message: `a relative import out of ${room}/: import another room by its package name (@energy/...), and only where docs/architecture.md allows it.`,
    },
  ];
}

/** One config object per room and folder depth, so that both walls apply in one rule. */
function roomConfigs() {
  const configs = [];
  // Longer room paths (test/e2e) come after their parents (test) and win.
  const rooms = Object.keys(ROOMS).sort((a, b) => a.split('/').length - b.split('/').length);
  for (const room of rooms) {
    const roomDepth = room.split('/').length - 1;
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      const patterns = [...packageWall(room), ...escapeWall(room, depth + roomDepth)];
      configs.push({
        files: SOURCES.map((ext) => `${room}/${'*/'.repeat(depth)}*.${ext}`),
        rules: { 'no-restricted-imports': ['error', { patterns }] },
      });
    }
  }
  return configs;
}

export const boundaries = [
  ...roomConfigs(),
  {
    files: SOURCES.map((ext) => `**/core/**/*.${ext}`),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ADAPTER_PACKAGES.map((name) => ({
            name,
            message: 'core/ holds logic without I/O: take an adapter through a port instead.',
          })),
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'core/ holds logic without I/O: take an HTTP adapter through a port.' },
      ],
    },
  },
];
