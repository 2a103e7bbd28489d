/** Bounds concurrent remote writes; waiters are served in order. */
export class Semaphore {
  private readonly waiters: (() => void)[] = [];
  private used = 0;

  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next)
      next(); // the slot passes straight to the next waiter
    else this.used--;
  }
}
