/**
 * Multi-acks must go out in delivery order: a lower tag acked after a
 * higher `multiple` ack closes the channel with 406 "unknown delivery tag"
 * (FACTS.md). Messages finish out of order (a dead letter confirms before
 * the batch around it is written), so the chain acks only the contiguous
 * finished prefix of the deliveries, with one `multiple` ack.
 *
 * Delivery tags on one channel are consecutive from 1; the chain relies on
 * that and keeps one flag per outstanding tag.
 */
export class AckChain {
  /** Tag of done[head]. */
  private base = 0;
  private head = 0;
  private done: boolean[] = [];
  private highestDelivered = 0;
  private highestAcked = 0;

  /** Records a delivery; tags must arrive in order (they do on one channel). */
  deliver(tag: number): void {
    if (this.highestDelivered === 0 && this.done.length === 0) {
      this.base = tag;
      this.highestAcked = tag - 1;
    } else if (tag !== this.highestDelivered + 1) {
      throw new Error(`delivery tag ${tag} after ${this.highestDelivered}: tags must be consecutive`);
    }
    this.highestDelivered = tag;
    this.done.push(false);
  }

  /** Marks a tag finished; returns the tag to ack with multiple=true, if the prefix advanced. */
  complete(tag: number): number | undefined {
    const i = tag - this.base;
    if (i < this.head || i >= this.done.length) return undefined; // already acked or unknown
    this.done[i] = true;
    let h = this.head;
    while (h < this.done.length && this.done[h] === true) h++;
    if (h === this.head) return undefined;
    this.head = h;
    const ackTag = this.base + h - 1;
    this.highestAcked = ackTag;
    // Compact now and then so the array does not grow forever.
    if (this.head > 4096 && this.head * 2 > this.done.length) {
      this.done = this.done.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
    return ackTag;
  }

  /** Deliveries not yet acked (the in-flight count). */
  get outstanding(): number {
    return this.highestDelivered - this.highestAcked;
  }

  get lastAcked(): number {
    return this.highestAcked;
  }
}
