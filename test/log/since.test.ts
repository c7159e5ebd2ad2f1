import { describe, expect, it } from 'vitest'
import { parseDuration, parseSince } from '../../src/log/since'

describe('--since and durations', () => {
  it('durations: s, m, h, d, w', () => {
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('10m')).toBe(600_000)
    expect(parseDuration('1.5h')).toBe(5_400_000)
    expect(parseDuration('7d')).toBe(7 * 86_400_000)
    expect(parseDuration('1w')).toBe(604_800_000)
    for (const bad of ['10', 'm', '-5m', '0m', '10 minutes', '1e3s']) expect(parseDuration(bad), bad).toBeUndefined()
  })

  it('a duration counts back from now; a time is taken as it is', () => {
    const now = Date.parse('2025-01-31T12:00:00Z')
    expect(parseSince('10m', now)).toBe(now - 600_000)
    expect(parseSince('2025-01-31T11:00:00Z', now)).toBe(Date.parse('2025-01-31T11:00:00Z'))
    expect(parseSince('2025-01-31T11:00:00.250+01:00', now)).toBe(Date.parse('2025-01-31T10:00:00.250Z'))
    expect(parseSince('2025-01-31', now)).toBe(Date.parse('2025-01-31'))
    for (const bad of ['yesterday', '2025-13-45', '12:00', 'now']) expect(parseSince(bad, now), bad).toBeUndefined()
  })
})
