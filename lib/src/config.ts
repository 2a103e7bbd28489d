/**
 * Configuration is read once at start from the environment, every problem
 * collected, and the process exits 1 with all of them printed.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export interface Field<T> {
  read(name: string, raw: string | undefined, problems: string[]): T;
}

export const field = {
  string(def?: string): Field<string> {
    return {
      read(name, raw, problems) {
        const v = raw ?? def;
        if (v === undefined || v === '') problems.push(`${name} is required`);
        return v ?? '';
      },
    };
  },
  optionalString(): Field<string | undefined> {
    return { read: (_n, raw) => (raw === '' ? undefined : raw) };
  },
  int(def: number | undefined, min = -Infinity, max = Infinity): Field<number> {
    return {
      read(name, raw, problems) {
        if (raw === undefined || raw === '') {
          if (def === undefined) problems.push(`${name} is required`);
          return def ?? 0;
        }
        const n = Number(raw);
        if (!Number.isInteger(n) || n < min || n > max) {
          problems.push(`${name}=${raw} is not a whole number from ${min} to ${max}`);
        }
        return n;
      },
    };
  },
  port(def: number): Field<number> {
    return field.int(def, 1, 65535);
  },
  number(def: number, min = -Infinity, max = Infinity): Field<number> {
    return {
      read(name, raw, problems) {
        if (raw === undefined || raw === '') return def;
        const n = Number(raw);
        if (!Number.isFinite(n) || n < min || n > max)
          problems.push(`${name}=${raw} is not a number from ${min} to ${max}`);
        return n;
      },
    };
  },
  bool(def: boolean): Field<boolean> {
    return {
      read(name, raw, problems) {
        if (raw === undefined || raw === '') return def;
        if (/^(1|true|yes|on)$/i.test(raw)) return true;
        if (/^(0|false|no|off)$/i.test(raw)) return false;
        problems.push(`${name}=${raw} is not a boolean (true/false)`);
        return def;
      },
    };
  },
  url(def?: string): Field<string> {
    return {
      read(name, raw, problems) {
        const v = raw === undefined || raw === '' ? def : raw;
        if (v === undefined) {
          problems.push(`${name} is required`);
          return '';
        }
        try {
          new URL(v);
        } catch {
          problems.push(`${name}=${v} is not a URL`);
        }
        return v;
      },
    };
  },
  oneOf<const T extends string>(values: readonly T[], def: T): Field<T> {
    return {
      read(name, raw, problems) {
        if (raw === undefined || raw === '') return def;
        if (!(values as readonly string[]).includes(raw)) {
          problems.push(`${name}=${raw} is not one of ${values.join(', ')}`);
          return def;
        }
        return raw as T;
      },
    };
  },
};

export type Spec<T> = { readonly [K in keyof T]: readonly [envName: string, field: Field<T[K]>] };

/** Reads every field; throws one ConfigError listing every problem. */
export function readConfig<T>(spec: Spec<T>, env: Env = process.env): T {
  const problems: string[] = [];
  const out = {} as T;
  for (const key of Object.keys(spec) as (keyof T)[]) {
    const [name, f] = spec[key];
    out[key] = f.read(name, env[name], problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

/** For main.ts: read the config or print every problem and exit 1. */
export function loadConfigOrExit<T>(spec: Spec<T>, env: Env = process.env): T {
  try {
    return readConfig(spec, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
