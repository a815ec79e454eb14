/**
 * A fair (first come, first served) counting semaphore that wakes only the waiters it can serve.
 *
 * `SimulationProvider.make` bounds the driver calls in flight with it. Effect's own `Semaphore`
 * wakes every waiter on each release, and each waiter that loses the race waits again one frame
 * deeper: with thousands of watched runs queued on 32 slots that is quadratic work and fiber
 * stacks that grow with every release. Here a release hands its permits to the oldest waiters
 * directly. Internal: `MakeOptions.maxInFlight` is how users set it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

export interface Permits {
  /** Runs `self` holding `n` permits; waiting for them can be interrupted. */
  readonly withPermits: (n: number) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Permits free right now. */
  readonly available: Effect.Effect<number>
  /** Fibers waiting right now. */
  readonly waiting: Effect.Effect<number>
}

interface Waiter {
  readonly n: number
  readonly resume: (effect: Effect.Effect<void>) => void
  granted: boolean
  canceled: boolean
}

/** Permits outside of any effect (as `Effect.unsafeMakeSemaphore`). */
export const unsafeMake = (permits: number): Permits => {
  let free = permits
  // A FIFO queue: an array with a moving head (compacted now and then).
  let queue: Array<Waiter> = []
  let head = 0
  let waiting = 0

  const drain = () => {
    while (head < queue.length) {
      const w = queue[head]!
      if (w.canceled) {
        head++
        continue
      }
      if (w.n > free) break
      head++
      waiting--
      free -= w.n
      w.granted = true
      w.resume(Effect.void)
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head)
      head = 0
    }
  }

  const release = (n: number) =>
    Effect.sync(() => {
      free += n
      drain()
    })

  const take = (n: number): Effect.Effect<void> =>
    Effect.async<void>((resume) => {
      if (waiting === 0 && free >= n) {
        free -= n
        resume(Effect.void)
        return
      }
      const w: Waiter = { n, resume, granted: false, canceled: false }
      queue.push(w)
      waiting++
      return Effect.sync(() => {
        if (w.granted) {
          // Granted as the wait was interrupted: give the permits back.
          free += n
          drain()
        } else if (!w.canceled) {
          w.canceled = true
          waiting--
          // A large request at the head may have been holding back smaller ones.
          drain()
        }
      })
    })

  return {
    withPermits: (n) => (self) =>
      Effect.uninterruptibleMask((restore) => Effect.flatMap(restore(take(n)), () => Effect.ensuring(restore(self), release(n)))),
    available: Effect.sync(() => free),
    waiting: Effect.sync(() => waiting)
  }
}
