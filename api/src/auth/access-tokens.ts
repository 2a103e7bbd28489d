import { createSecretKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import jwt from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';

export const JWT_ISSUER = 'energymonitor-api';
export const JWT_AUDIENCE = 'energymonitor';
export const ACCESS_TOKEN_SECONDS = 15 * 60;

export interface AccessClaims {
  readonly sub: string;
  readonly hh: string;
}

/**
 * Signs with HS256 and verifies through passport-jwt with the algorithm
 * pinned (no `none`, no RS/HS confusion) and issuer and audience checked.
 */
export class AccessTokens {
  private readonly strategy: Strategy;
  // A KeyObject, not the string: jsonwebtoken turns a string into a key on every call (~300 µs).
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
    this.strategy = new Strategy(
      {
        secretOrKey: this.key as unknown as string,
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        algorithms: ['HS256'],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      },
      (payload: unknown, done: (e: unknown, user?: unknown) => void) => done(null, payload),
    );
  }

  sign(claims: AccessClaims): string {
    return jwt.sign({ hh: claims.hh }, this.key, {
      algorithm: 'HS256',
      subject: claims.sub,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      expiresIn: ACCESS_TOKEN_SECONDS,
    });
  }

  /** The claims of a valid Bearer token in the request, else undefined. */
  verify(req: IncomingMessage): Promise<AccessClaims | undefined> {
    return new Promise((resolve, reject) => {
      type Hooks = { success(u: unknown): void; fail(): void; error(e: unknown): void };
      const s = Object.create(this.strategy) as Strategy & Hooks;
      s.success = (u) => {
        const p = u as Partial<AccessClaims>;
        resolve(typeof p.sub === 'string' && typeof p.hh === 'string' ? { sub: p.sub, hh: p.hh } : undefined);
      };
      s.fail = () => resolve(undefined);
      s.error = (e) => reject(e instanceof Error ? e : new Error(String(e)));
      s.authenticate(req as never, {});
    });
  }
}
