/** Highest seq below which every seq of the chat is known (received, or own and acknowledged). */
export class Frontier {
  private ahead = new Set<number>();
  constructor(public upTo = 0) {}

  add(seq: number): void {
    if (seq <= this.upTo) return;
    if (seq !== this.upTo + 1) {
      this.ahead.add(seq);
      return;
    }
    this.upTo = seq;
    while (this.ahead.delete(this.upTo + 1)) this.upTo++;
  }
}
