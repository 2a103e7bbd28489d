/** One named part of the local stack. */
export interface Component {
  readonly name: string;
  /** Files that must exist (entry point, config); when one is missing the component is skipped. */
  readonly needsFiles?: readonly string[];
  /** Components that must be running (or done) first; otherwise this one is skipped. */
  readonly dependsOn?: readonly string[];
  /** Starts it and waits until it is healthy; a one-shot job returns once it finished. */
  start(): Promise<Started>;
}

export interface Started {
  /** Where it answers, for the status table ('' for a one-shot job). */
  readonly address: string;
  readonly pid?: number;
  /** A one-shot job is `done` once start() returned; there is nothing to stop. */
  readonly oneShot?: boolean;
  stop?(): Promise<void>;
  /** Settles when a long-running component exits on its own. */
  readonly exited?: Promise<unknown>;
}

export type ComponentState =
  | { readonly name: string; readonly status: 'running' | 'done'; readonly started: Started }
  | { readonly name: string; readonly status: 'skipped' | 'failed' | 'exited'; readonly reason: string };
