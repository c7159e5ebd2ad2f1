/** Must match runtime/log-attribution.mjs: `\x1e<request id>\x1f` starts each line printed during a request. */
const LINE_MARK = '\x1E'
const ID_END = '\x1F'
/** What a request id may look like: the gateway's are UUIDs; anything else is not a mark but text. */
const REQUEST_ID_RE = /^[\w.:-]{1,128}$/

export interface AttributedLine {
  /** The request the line was printed for; undefined outside any request (loading, a stray timer). */
  requestId?: string
  text: string
}

/**
 * Splits the runtime's mark off a line of an instance's output. The line came from the function: a
 * mark it forged only mislabels its own line, and anything that is not a well-formed mark stays text.
 */
export function parseAttributedLine(line: string): AttributedLine {
  if (line.charCodeAt(0) !== 0x1E) return { text: line }
  const end = line.indexOf(ID_END, 1)
  if (end === -1 || end > 129) return { text: line }
  const requestId = line.slice(LINE_MARK.length, end)
  if (!REQUEST_ID_RE.test(requestId)) return { text: line }
  return { requestId, text: line.slice(end + 1) }
}

/** The first 8 characters of a request id: what people read in a terminal (`--request` takes it too). */
export const shortRequestId = (requestId: string) => requestId.slice(0, 8)
