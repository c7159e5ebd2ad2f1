import type { ConfigIssue } from '../../../src/config/schema/checks'
import { describe, expect, it } from 'vitest'
import { checkFunctionOptions, resolveFunctionOptions } from '../../../src/config/schema/function-options'

function issuesOf(value: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  checkFunctionOptions(value, 'functions.hello', issues)
  return issues
}

describe('queue: how many requests may wait, and how long, before more get 429', () => {
  it('takes a count and a duration, seconds or with a unit, and resolves the duration to seconds', () => {
    expect(issuesOf({ queue: { maxWaiting: 40, maxWait: '500ms' } })).toEqual([])
    expect(resolveFunctionOptions({ queue: { maxWaiting: 40, maxWait: '500ms' } }).queue).toEqual({ maxWaiting: 40, maxWait: 0.5 })
    expect(resolveFunctionOptions({ queue: { maxWait: 2 } }).queue).toEqual({ maxWait: 2 })
  })

  it('left out, it is empty: the pool derives 10 per slot and half the timeout', () => {
    expect(resolveFunctionOptions({}).queue).toEqual({})
  })

  it('a wrong value names the key and the fix, as an upload to the agent is checked the same way', () => {
    const issues = issuesOf({ queue: { maxWaiting: 0, maxWait: 'soon', depth: 3 } })
    expect(issues.map(issue => issue.path).sort()).toEqual(['functions.hello.queue.depth', 'functions.hello.queue.maxWait', 'functions.hello.queue.maxWaiting'])
    expect(issues.find(issue => issue.path.endsWith('maxWait'))!.fix).toContain('such as 2')
    expect(issuesOf({ queue: 5 })).toHaveLength(1)
  })
})
