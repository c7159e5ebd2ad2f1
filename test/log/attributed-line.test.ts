import { describe, expect, it } from 'vitest'
import { parseAttributedLine, shortRequestId } from '../../src/log/attributed-line'

describe('a line of an instance\'s output, with the runtime\'s request mark', () => {
  it('the mark is taken off and names the request', () => {
    expect(parseAttributedLine('\x1E1f0c2a3b-aaaa-bbbb-cccc-0123456789ab\x1Fhello world')).toEqual({ requestId: '1f0c2a3b-aaaa-bbbb-cccc-0123456789ab', text: 'hello world' })
    expect(parseAttributedLine('\x1Ereq-1\x1F')).toEqual({ requestId: 'req-1', text: '' })
  })

  it('a line without a mark belongs to no request and is kept whole', () => {
    expect(parseAttributedLine('loading…')).toEqual({ text: 'loading…' })
    expect(parseAttributedLine('')).toEqual({ text: '' })
  })

  it('anything that is not a well-formed mark stays text (a function cannot smuggle in odd ids)', () => {
    for (const line of ['\x1Eno end mark', '\x1Ebad id with spaces\x1Ftext', `\x1E${'a'.repeat(200)}\x1Ftext`, '\x1E\x1Fempty id']) {
      expect(parseAttributedLine(line)).toEqual({ text: line })
    }
  })

  it('people read the first 8 characters', () => {
    expect(shortRequestId('1f0c2a3b-aaaa-bbbb-cccc-0123456789ab')).toBe('1f0c2a3b')
  })
})
