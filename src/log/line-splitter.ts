/** Longer lines are cut: a function cannot make the agent hold an endless line in memory. */
export const MAX_LINE_BYTES = 8 * 1024

export interface LineSplitter {
  push: (chunk: Buffer) => void
  /** The output ended: a last line without a newline is a line too. */
  end: () => void
}

/**
 * Cuts a byte stream into lines (without `\n` or a trailing `\r`), holding at most `maxBytes` of a
 * line; the rest of an overlong line is dropped and `onLine` learns how many bytes were cut.
 */
export function createLineSplitter(onLine: (line: string, cutBytes: number) => void, maxBytes = MAX_LINE_BYTES): LineSplitter {
  let held: Buffer[] = []
  let heldBytes = 0
  let cut = 0
  const emit = () => {
    let line = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes)
    if (line.length > 0 && line[line.length - 1] === 0x0D && cut === 0) line = line.subarray(0, -1)
    const cutBytes = cut
    held = []
    heldBytes = 0
    cut = 0
    onLine(line.toString('utf8'), cutBytes)
  }
  const hold = (part: Buffer) => {
    const room = maxBytes - heldBytes
    if (part.length <= room) {
      if (part.length > 0) held.push(part)
      heldBytes += part.length
      return
    }
    if (room > 0) held.push(part.subarray(0, room))
    heldBytes += Math.max(0, room)
    cut += part.length - Math.max(0, room)
  }
  return {
    push(chunk) {
      let start = 0
      for (let newline = chunk.indexOf(0x0A); newline !== -1; newline = chunk.indexOf(0x0A, start)) {
        hold(chunk.subarray(start, newline))
        emit()
        start = newline + 1
      }
      if (start < chunk.length) hold(chunk.subarray(start))
    },
    end() {
      if (heldBytes > 0 || cut > 0) emit()
    },
  }
}
