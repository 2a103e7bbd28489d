/**
 * A deadline for opening an AMQP connection and its channels. amqplib's
 * socket `timeout` only ends a TCP connect or handshake that goes quiet; a
 * node that is booting, overloaded or SIGSTOPped can take the connection
 * and then answer the handshake, `channel.open`, `confirm.select` or a
 * declare never (or slowly, a byte at a time) — and a client awaiting them
 * would wait for good, with no retry scheduled. Typed structurally, so lib
 * needs no amqplib: anything with amqplib's `connection` under it.
 */

/** amqplib's ChannelModel, as far as is needed here. */
export interface AmqpConnectionLike {
  readonly connection: unknown;
}

interface RawConnection {
  readonly stream?: { destroy(err?: Error): void; destroyed?: boolean };
  /** Set by amqplib once the connection is closed or closing. */
  readonly expectSocketClose?: boolean;
}

/**
 * Ends a connection at once, without the close handshake a silent or dead
 * broker would never answer: the socket is destroyed with an error, so
 * amqplib rejects every call pending on it and emits 'error' and 'close'.
 */
export function destroyAmqpConnection(conn: AmqpConnectionLike, why: string): void {
  (conn.connection as RawConnection | undefined)?.stream?.destroy(new Error(why));
}

/**
 * Closes a connection politely, but a broker that stopped answering never
 * confirms the close: after `graceMs` the socket is cut (a close awaited
 * for good would hold the next retry back).
 */
export async function closeAmqpConnection(
  conn: AmqpConnectionLike & { close(): Promise<void> },
  why: string,
  graceMs = 5000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    conn.close().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
  ]);
  clearTimeout(timer);
  destroyAmqpConnection(conn, why);
}

/**
 * The connection has already closed: amqplib handles every frame of a
 * socket read before promise callbacks run, so a close that arrived right
 * behind the last answer of the open is emitted before anyone listens.
 */
export function amqpConnectionClosed(conn: AmqpConnectionLike): boolean {
  const raw = conn.connection as RawConnection | undefined;
  return raw?.expectSocketClose === true || raw?.stream?.destroyed === true;
}

/**
 * Runs `open` (connect, then channels, declares…) within `ms`. `open`
 * passes `signal` among amqplib's socket options (Node's net and tls
 * sockets take it): when the deadline passes, or the attempt fails, the
 * signal aborts and the socket is destroyed at whatever stage it is — TCP
 * connect, handshake or channel open — which fails whatever `open` still
 * awaits on it. A failed attempt leaves nothing open.
 */
export function openWithin<T>(
  ms: number,
  what: string,
  open: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  const attempt = open(abort.signal);
  // What `open` does after losing the race fails on the destroyed socket: not worth a rejection.
  attempt.catch(() => undefined);
  return Promise.race([attempt, deadline]).then(
    (opened) => {
      clearTimeout(timer);
      return opened;
    },
    (err: unknown) => {
      clearTimeout(timer);
      abort.abort(err);
      throw err;
    },
  );
}
