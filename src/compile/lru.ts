// A map that keeps at most `limit()` entries and drops the least recently used beyond it. Every
// cache of the compiler (jit signatures, eager one-op programs, kernel sources) is one, so memory
// stays bounded however many shapes a program sees.

export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  /** The key read or written last: reading it again needs no reordering (the steady state). */
  private newest: K | undefined = undefined;

  constructor(
    private readonly limit: () => number,
    private readonly onEvict: (value: V, key: K) => void = () => {},
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined && key !== this.newest) {
      this.map.delete(key);
      this.map.set(key, v);
      this.newest = key;
    }
    return v;
  }

  set(key: K, value: V): void {
    const old = this.map.get(key);
    this.map.delete(key);
    this.map.set(key, value);
    this.newest = key;
    if (old !== undefined && old !== value) this.onEvict(old, key);
    this.trim();
  }

  /** Drops the least recently used entries until at most `limit()` remain. */
  trim(): void {
    const limit = Math.max(0, this.limit());
    for (const [k, v] of this.map) {
      if (this.map.size <= limit) break;
      this.map.delete(k);
      if (k === this.newest) this.newest = undefined;
      this.onEvict(v, k);
    }
  }

  clear(): void {
    const entries = [...this.map];
    this.map.clear();
    this.newest = undefined;
    for (const [k, v] of entries) this.onEvict(v, k);
  }
}
