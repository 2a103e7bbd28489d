import { existsSync } from 'node:fs';
import type { Component, ComponentState, Started } from './component.js';

export interface StackEvents {
  onStarting?(name: string): void;
  onState?(state: ComponentState): void;
}

/**
 * Starts components in order, one at a time (each waits for its health
 * check). A missing entry file or a failed dependency skips a component; a
 * failure is recorded and the rest go on. stop() ends, in reverse order,
 * exactly what was started here.
 */
export class Stack {
  private readonly states = new Map<string, ComponentState>();
  private readonly started: { name: string; started: Started }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly components: readonly Component[],
    private readonly events: StackEvents = {},
  ) {}

  get list(): readonly ComponentState[] {
    return this.components.map(
      (c) => this.states.get(c.name) ?? { name: c.name, status: 'skipped', reason: 'not started' },
    );
  }

  get failed(): boolean {
    return this.list.some((s) => s.status === 'failed' || s.status === 'exited');
  }

  async start(): Promise<void> {
    for (const c of this.components) {
      if (this.stopping) return;
      this.set(await this.startOne(c));
    }
  }

  private async startOne(c: Component): Promise<ComponentState> {
    const missing = (c.needsFiles ?? []).filter((f) => !existsSync(f));
    if (missing.length > 0)
      return { name: c.name, status: 'skipped', reason: `missing ${missing.join(', ')}` };
    const notUp = (c.dependsOn ?? []).filter((d) => {
      const s = this.states.get(d)?.status;
      return s !== 'running' && s !== 'done';
    });
    if (notUp.length > 0) return { name: c.name, status: 'skipped', reason: `needs ${notUp.join(', ')}` };
    this.events.onStarting?.(c.name);
    try {
      const started = await c.start();
      if (started.oneShot) return { name: c.name, status: 'done', started };
      this.started.push({ name: c.name, started });
      void started.exited?.then(() => {
        if (this.stopping) return;
        this.set({ name: c.name, status: 'exited', reason: 'exited on its own; see its log' });
      });
      return { name: c.name, status: 'running', started };
    } catch (err) {
      return { name: c.name, status: 'failed', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  private set(state: ComponentState): void {
    this.states.set(state.name, state);
    this.events.onState?.(state);
  }

  /** Stops what this stack started, last first. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const s of [...this.started].reverse()) {
        try {
          await s.started.stop?.();
        } catch (err) {
          process.stderr.write(`stopping ${s.name}: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    })();
    return this.stopping;
  }
}
