// The campaign's tables, as Markdown so docs/reliability.md can take them as printed.
const PHASES = ['fault', 'after']

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`]
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`)
  return lines.join('\n')
}

const ms = values => values.length === 0 ? '-' : `${(Math.max(...values) / 1000).toFixed(1)} s`

/** One row per fault and phase: how the requests sent then ended, and the checks made after it. */
export function faultTable(stats) {
  const rows = []
  for (const [fault, s] of Object.entries(stats)) {
    for (const phase of fault === 'steady' ? ['steady'] : PHASES) {
      const r = s.requests[phase] ?? {}
      const a = s.async[phase] ?? {}
      rows.push([
        phase === 'after' ? '' : fault,
        phase === 'steady' ? '' : phase,
        phase === 'after' || phase === 'steady' ? '' : String(s.count),
        String(r.sent ?? 0),
        String(r.ok ?? 0),
        String(r.shed ?? 0),
        String(r['clear-5xx'] ?? 0),
        String((r['unclear-5xx'] ?? 0) + (r['conn-error'] ?? 0)),
        String(r.refused ?? 0),
        String(r.hang ?? 0),
        r.slowestFailMs === undefined ? '-' : `${(r.slowestFailMs / 1000).toFixed(1)} s`,
        `${a.accepted ?? 0}/${a.refused ?? 0}`,
        String(a.lost ?? 0),
        String(a.twice ?? 0),
        phase === 'fault' ? `${s.deploys.ok}/${s.deploys.failed}` : '',
        phase === 'fault' ? ms(s.backToServing) : '',
        phase === 'fault' ? orphans(s.leftovers) : '',
        phase === 'fault' ? String(s.unparsable) : '',
      ])
    }
  }
  return table(['fault', 'phase', 'n', 'sent', 'ok', '429/503', '5xx+id', '5xx no id / reset', 'refused', 'hang', 'slowest failure', 'async acc/refused', 'async lost', 'async twice', 'deploys ok/failed', 'back to serving (max)', 'leftovers after restart (max)', 'unparsable state'], rows)
}

function orphans(list) {
  if (list.length === 0) return '-'
  const max = key => Math.max(...list.map(l => l[key]))
  return `paused ${max('paused')}, exited ${max('exited')}, images+${max('extraImages')}, sockets ${max('sockets')}/${max('running')} running, spool ${max('spool')}`
}

export function usageTable(samples) {
  const rows = samples.map(s => [`${Math.round(s.atS)} s`, s.rssMb.toFixed(0), String(s.fds), String(s.starts)])
  return table(['time', 'agent RSS MB', 'open FDs', 'agent start #'], rows)
}
