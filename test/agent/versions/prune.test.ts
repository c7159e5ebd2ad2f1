import type { FunctionRecord, VersionRecord } from '../../../src/store/records'
import { describe, expect, it } from 'vitest'
import { keptVersionNumbers } from '../../../src/agent/versions/prune'

const record = (currentVersion: number | null, keepVersions: number): FunctionRecord =>
  ({ name: 'hello', currentVersion, lastVersion: 9, keepVersions, history: [], createdAt: '', updatedAt: '' })
const versions = (...numbers: number[]) => numbers.map(number => ({ function: 'hello', number }) as VersionRecord)
const kept = (r: FunctionRecord, v: VersionRecord[]) => [...keptVersionNumbers(r, v)].sort((a, b) => a - b)

describe('the versions a function keeps: keepVersions in all, the current one first', () => {
  it('keeps the newest keepVersions when the newest is current (after a deploy)', () => {
    expect(kept(record(6, 3), versions(2, 3, 4, 5, 6))).toEqual([4, 5, 6])
  })

  it('keeps a current version older than the newest ones, and never more than keepVersions', () => {
    expect(kept(record(2, 3), versions(2, 3, 4, 5, 6))).toEqual([2, 5, 6])
    expect(kept(record(2, 1), versions(2, 3, 4, 5, 6))).toEqual([2])
  })

  it('keeps the newest when nothing is current (a first deploy that failed)', () => {
    expect(kept(record(null, 2), versions(1, 2, 3))).toEqual([2, 3])
  })
})
