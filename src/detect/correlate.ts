import {compareEvents} from '../events/order.js'
import type {NormalizedEvent} from '../events/types.js'
import {datedReliably, micros} from './event-util.js'
import type {BuiltSession, Near} from './types.js'

/**
 * Correlation is by host and time: an event is "during" a suspect session when it lies inside the session's
 * span, and "after" it when it lies within the window after the session's end. Only suspect sessions (see
 * suspicion.ts) are given to the Correlator, so only they can tie other events into the intrusion story.
 */
export class Correlator {
  constructor(private readonly sessions: BuiltSession[], private readonly windowUs: number) {}

  /** Suspect sessions of ScreenConnect instances configured with this relay (a host name or address). */
  throughRelay(relay: string): BuiltSession[] {
    const r = relay.toLowerCase()
    return this.sessions.filter((s) => s.session.instance?.relay_host?.toLowerCase() === r)
  }

  near(ev: NormalizedEvent): Near[] {
    // a host-local time in an unknown zone (or no time) cannot be placed against a session's UTC span
    if (!datedReliably(ev)) return []
    const t = micros(ev)
    const out: Near[] = []
    for (const s of this.sessions) {
      if (s.session.host !== ev.host) continue
      if (t >= s.startUs && t <= s.endUs) out.push({session: s, relation: 'during', event: ev})
      else if (t > s.endUs && t <= s.endUs + this.windowUs) out.push({session: s, relation: 'after', event: ev})
    }
    return out
  }

  /**
   * The sessions a set of events belongs to. Sessions the events fall inside win; otherwise only the most
   * recently ended session before them (within the window) is named — the story is "right after that one".
   */
  nearAll(events: NormalizedEvent[]): Near[] {
    const during = new Map<string, Near>()
    const after = new Map<string, Near>()
    for (const ev of events)
      for (const n of this.near(ev)) {
        const m = n.relation === 'during' ? during : after
        const prev = m.get(n.session.session.id)
        if (!prev || compareEvents(n.event, prev.event) < 0) m.set(n.session.session.id, n)
      }
    const bySessionStart = (a: Near, b: Near): number => a.session.startUs - b.session.startUs || (a.session.session.id < b.session.session.id ? -1 : 1)
    if (during.size > 0) return [...during.values()].sort(bySessionStart)
    if (after.size === 0) return []
    const latest = Math.max(...[...after.values()].map((n) => n.session.endUs))
    return [...after.values()].filter((n) => n.session.endUs === latest).sort(bySessionStart)
  }
}
