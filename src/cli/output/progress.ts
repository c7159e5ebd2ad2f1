import { colors } from 'consola/utils'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export interface Progress {
  /** The live line of a task (on a terminal; nothing elsewhere). Text may be recomputed each frame. */
  status(key: string, text: () => string): void
  /** The task's live line goes away. */
  end(key: string): void
  /** A step finished: a plain line (on stderr) where there is no live display; nothing on a terminal. */
  step(line: string): void
  /** A result line, printed above the live lines. */
  print(line: string): void
  close(): void
}

/** `1.2s`, `340ms`. */
export const duration = (ms: number) => ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`
export const size = (bytes: number) => bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`

/**
 * Progress of parallel tasks. On a terminal: one live line per running task, redrawn with a
 * spinner below the results. Elsewhere (a pipe, a log file): no spinner, no cursor movement,
 * just a plain line per finished step.
 */
export function createProgress(out: NodeJS.WriteStream = process.stdout, live: NodeJS.WriteStream = process.stderr): Progress {
  if (!live.isTTY || process.env.TERM === 'dumb') {
    return {
      status: () => {},
      end: () => {},
      step: line => void live.write(`${line}\n`),
      print: line => void out.write(`${line}\n`),
      close: () => {},
    }
  }
  const rows = new Map<string, () => string>()
  let drawn = 0
  let frame = 0
  let timer: NodeJS.Timeout | undefined
  const clear = () => {
    // Up to the first live line, then clear to the end of the screen.
    if (drawn > 0) live.write(`\x1B[${drawn}F\x1B[J`)
    drawn = 0
  }
  const draw = () => {
    const width = Math.max(20, (live.columns || 80) - 1)
    for (const text of rows.values()) live.write(`${colors.cyan(FRAMES[frame % FRAMES.length]!)} ${truncate(text(), width - 2)}\n`)
    drawn = rows.size
  }
  const redraw = () => {
    clear()
    draw()
  }
  const tick = () => {
    frame++
    redraw()
  }
  return {
    status(key, text) {
      rows.set(key, text)
      timer ??= setInterval(tick, 100).unref()
      redraw()
    },
    end(key) {
      rows.delete(key)
      redraw()
      if (rows.size === 0 && timer) {
        clearInterval(timer)
        timer = undefined
      }
    },
    step: () => {},
    print(line) {
      clear()
      out.write(`${line}\n`)
      draw()
    },
    close() {
      clear()
      if (timer) clearInterval(timer)
      timer = undefined
      rows.clear()
    },
  }
}

/** Cuts a line to the terminal's width (a wrapped live line would break the redraw), minding colour codes. */
function truncate(text: string, width: number): string {
  let visible = 0
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const escape = /^\x1B\[[0-9;]*m/.exec(text.slice(i))
    if (escape) {
      out += escape[0]
      i += escape[0].length - 1
      continue
    }
    if (visible >= width) continue
    out += text[i]
    visible++
  }
  return out
}
