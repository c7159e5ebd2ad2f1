import { describe, expect, it } from 'vitest'
import { createLineSplitter } from '../../src/log/line-splitter'

function split(chunks: Array<string | Buffer>, maxBytes?: number) {
  const lines: Array<[string, number]> = []
  const splitter = createLineSplitter((line, cut) => lines.push([line, cut]), maxBytes)
  for (const chunk of chunks) splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
  splitter.end()
  return lines
}

describe('cutting output into lines', () => {
  it('lines split across chunks come out whole; \\r\\n counts as one newline; a last line without newline counts', () => {
    expect(split(['hel', 'lo\nwor', 'ld\r\n\nlast'])).toEqual([['hello', 0], ['world', 0], ['', 0], ['last', 0]])
  })

  it('an endless line is held only up to the bound; the rest is counted, not kept', () => {
    const lines = split(['x'.repeat(100), 'y'.repeat(100), '\nnext\n'], 64)
    expect(lines).toEqual([['x'.repeat(64), 136], ['next', 0]])
  })

  it('a multibyte character split between chunks survives', () => {
    const bytes = Buffer.from('héllo\n')
    expect(split([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual([['héllo', 0]])
  })
})
