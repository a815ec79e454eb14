/**
 * A map of at most `capacity` entries that forgets the least recently used one when full (a read
 * or a write makes an entry the most recent). Drivers bound their caches with it, so that tracking
 * and reading thousands of runs keeps a bounded amount of memory.
 *
 * @since 0.2.0
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>()
  readonly capacity: number

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity))
  }

  get size(): number {
    return this.map.size
  }

  get(key: K): V | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }

  /** The value without making it the most recent. */
  peek(key: K): V | undefined {
    return this.map.get(key)
  }

  has(key: K): boolean {
    return this.map.has(key)
  }

  set(key: K, value: V): this {
    this.map.delete(key)
    this.map.set(key, value)
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K)
    return this
  }

  delete(key: K): boolean {
    return this.map.delete(key)
  }

  /** The values, least recently used first. */
  values(): IterableIterator<V> {
    return this.map.values()
  }
}
