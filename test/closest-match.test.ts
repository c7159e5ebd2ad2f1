import { describe, expect, it } from 'vitest'
import { closestMatch, editDistance } from '../src/closest-match'

describe('did you mean', () => {
  it('counts a swap of neighbours as one typo', () => {
    expect(editDistance('lsit', 'list')).toBe(1)
    expect(editDistance('deplyo', 'deploy')).toBe(1)
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('', 'abc')).toBe(3)
  })

  it('suggests the closest candidate, and nothing when none is close', () => {
    expect(closestMatch('lsit', ['set', 'list', 'rm'])).toBe('list')
    expect(closestMatch('prot', ['port', 'host'])).toBe('port')
    expect(closestMatch('TimeOut', ['timeout', 'memory'])).toBe('timeout')
    expect(closestMatch('zzzz', ['port', 'host'])).toBeUndefined()
  })
})
