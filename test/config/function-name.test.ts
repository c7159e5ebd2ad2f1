import type { ConfigIssue } from '../../src/config/schema/checks'
import { describe, expect, it } from 'vitest'
import { assertFunctionName, functionNameProblem, validateFunctionName } from '../../src/config/function-name'
import { resolveRoute } from '../../src/router/route'

describe('one rule for a function name, wherever the name comes from', () => {
  it.each(['hello', 'a', '0', 'cron-job', 'v', 'v2x', 'api2', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(functionNameProblem(name)).toBeUndefined()
  })

  it.each([
    ['My_Func', 'my-func'],
    ['Hello World', 'hello-world'],
    ['-lead', 'lead'],
    ['trail-', 'trail'],
    ['a'.repeat(64), 'a'.repeat(63)],
    ['', 'my-function'],
    ['../x', 'x'],
    ['hé', 'h'],
  ])('refuses %j as a host name could not carry it, and suggests %j', (name, suggestion) => {
    expect(functionNameProblem(name)).toEqual({ problem: expect.stringContaining('DNS labels'), fix: `rename it to '${suggestion}'` })
  })

  it.each(['api', 'admin', 'agent', 'lambda', 'www', 'localhost', 'health', 'status', 'v1', 'v42'])('refuses the reserved name %s', (name) => {
    expect(functionNameProblem(name)).toEqual({ problem: expect.stringContaining('is reserved'), fix: `rename it, e.g. to '${name}-fn'` })
  })

  it('reports as a config issue at a path, or as an INVALID_NAME error', () => {
    const issues: ConfigIssue[] = []
    validateFunctionName('My_Func', 'functions.My_Func', issues)
    expect(issues).toEqual([{ path: 'functions.My_Func', value: 'My_Func', ...functionNameProblem('My_Func') }])
    expect(() => assertFunctionName('hello')).not.toThrow()
    expect(() => assertFunctionName('My_Func', 'or pass --name')).toThrow(expect.objectContaining({
      code: 'INVALID_NAME',
      status: 400,
      message: expect.stringMatching(/^"My_Func" is not a valid function name: /),
      hint: 'Fix: rename it to \'my-func\', or pass --name.',
    }))
  })

  it('the version label the router reads is the one no function may be named', () => {
    expect(resolveRoute('v3.hello.example.com', '/', { domain: 'example.com', pathRouting: false })).toMatchObject({ kind: 'function', name: 'hello', version: 3 })
    expect(functionNameProblem('v3')?.problem).toContain('is reserved')
  })
})
