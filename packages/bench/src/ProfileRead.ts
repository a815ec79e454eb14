/**
 * A workload to profile with `node --cpu-prof`: reads a finished run of N items through the
 * provider R times (section 1's adapter path), or decodes + maps recorded pages (`--decode`).
 *
 * Usage: `node --cpu-prof --cpu-prof-dir=/tmp/prof dist/ProfileRead.js [vendor] [items] [repeats]`
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Vendors from "./Vendors.js"

const [vendorName = "vapi", items = "1000", repeats = "5"] = process.argv.slice(2)
const vendor = Vendors.byName(vendorName)
const live = await Vendors.start(vendor, { speed: 1e6 })
const plan = Vendors.planFor(vendor, Vendors.shapeFor(vendor, Number(items)), `profile ${items}`)
const finished = await Vendors.finishedRun(live, plan)
const start = performance.now()
for (let i = 0; i < Number(repeats); i++) {
  await Vendors.run(Effect.zipRight(live.provider.getRun(finished.ref), Stream.runCount(live.provider.results(finished.ref))))
}
console.log(`${vendorName}: ${repeats} reads of ${items} items in ${Math.round(performance.now() - start)} ms`)
await live.close()
process.exit(0)
