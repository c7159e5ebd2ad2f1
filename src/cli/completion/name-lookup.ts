import type { NameKind } from '../args/lambda-args'
import { DEFAULT_CONTEXT } from '../../client/settings'
import { ENTRY_CANDIDATES } from '../../config/defaults'
import { CONFIG_FILE_NAMES } from '../../config/project-root'

export type { NameKind }

/**
 * Context names: the keys of the settings file's `contexts` object, read by a small JSON scanner (strings with
 * their escapes, nesting), so a hand-edited file reads as well as one the CLI wrote. Only names a context
 * may have are printed; anything else (a broken file) prints nothing, and completion offers `default` alone.
 */
const CONTEXTS_AWK = `{ text = text $0 "\\n" }
END {
  n = length(text); depth = 0; inContexts = 0
  for (i = 1; i <= n; i++) {
    c = substr(text, i, 1)
    if (c == "\\"") {
      word = ""
      for (i++; i <= n; i++) {
        c = substr(text, i, 1)
        if (c == "\\\\") { i++; word = word substr(text, i, 1); continue }
        if (c == "\\"") break
        word = word c
      }
      last = word
    }
    else if (c == ":") {
      if (depth == 1) top = last
      else if (depth == 2 && inContexts && last ~ /^[A-Za-z0-9][A-Za-z0-9_.-]*$/ && last != "${DEFAULT_CONTEXT}") print last
    }
    else if (c == "{" || c == "[") { depth++; if (depth == 2) inContexts = (c == "{" && top == "contexts") }
    else if (c == "}" || c == "]") { if (depth == 2) inContexts = 0; depth-- }
  }
}`

/**
 * A POSIX sh program that prints the names of one kind (`$1`), one a line, for shell completion: no Node
 * start at TAB, no network, nothing written.
 *
 * - `functions`: the function folders of the project around the current folder (the nearest one up with a
 *   lambda.config.*, else this one), as `lambda dev` discovers them in `functions/`: folders with an entry
 *   file or a Dockerfile whose name can be a function's. Functions declared only in lambda.config.ts
 *   (another `dir`, another functionsDir) are not offered: knowing them means loading the TypeScript config
 *   (Node, c12 and a transform: hundreds of ms), too slow for every TAB.
 * - `contexts`: `default`, then the contexts of the settings file (`lambda config use-context`).
 */
export function nameLookupProgram(): string {
  const single = (word: string) => `'${word}'`
  return `case $1 in
functions)
  dir=$PWD root=
  while :; do
    for file in ${CONFIG_FILE_NAMES.map(single).join(' ')}; do
      if [ -f "$dir/$file" ]; then root=$dir; break 2; fi
    done
    case $dir in /|'') break ;; esac
    dir=\${dir%/*}
    [ -n "$dir" ] || dir=/
  done
  [ -n "$root" ] || root=$PWD
  for folder in "$root"/functions/*/; do
    [ -d "$folder" ] || continue
    name=\${folder%/}
    name=\${name##*/}
    case $name in *[!a-z0-9-]*|-*|*-) continue ;; esac
    for entry in ${[...ENTRY_CANDIDATES, 'Dockerfile'].map(single).join(' ')}; do
      if [ -f "$folder$entry" ]; then printf '%s\\n' "$name"; break; fi
    done
  done
  ;;
contexts)
  printf '%s\\n' ${single(DEFAULT_CONTEXT)}
  settings=\${XDG_CONFIG_HOME:-$HOME/.config}/mini-lambda/settings.json
  if [ -r "$settings" ]; then awk ${single(CONTEXTS_AWK)} "$settings" 2>/dev/null; fi
  ;;
esac
`
}
