/** Remembers the last `capacity` ids; `seen(id)` is true for a repeat (replayed or overlapping frames). */
export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly order: string[] = [];
  private head = 0;

  constructor(private readonly capacity = 20_000) {}

  seen(id: string): boolean {
    if (this.ids.has(id)) return true;
    this.ids.add(id);
    if (this.order.length < this.capacity) this.order.push(id);
    else {
      this.ids.delete(this.order[this.head]);
      this.order[this.head] = id;
      this.head = (this.head + 1) % this.capacity;
    }
    return false;
  }
}
