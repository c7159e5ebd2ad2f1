import type { CompletionCommand } from './command-tree'
import { shellQuote } from './bash-script'
import { nameLookupProgram } from './name-lookup'

/** `name:description` for _describe (a colon in the name is escaped). */
const described = (name: string, description: string) => shellQuote(`${name.replace(/:/g, '\\:')}:${description}`)

const caseTable = (fn: string, rows: Array<[pattern: string, values: string[]]>) => [
  `${fn}() {`,
  '  case "$1" in',
  ...rows.filter(([, values]) => values.length > 0).map(([pattern, values]) => `    ${shellQuote(pattern)}) reply=(${values.join(' ')}) ;;`),
  '    *) reply=() ;;',
  '  esac',
  '}',
].join('\n')

/**
 * `lambda completion zsh`: the same walk as the bash script, with zsh's descriptions of commands and
 * flags. Works sourced (`source <(lambda completion zsh)` after compinit) or as `_lambda` in $fpath.
 */
export function renderZshCompletion(tree: CompletionCommand[], version: string): string {
  const key = (command: CompletionCommand) => command.path.join(' ')
  const valued = tree.flatMap(command => command.flags.filter(flag => flag.takesValue).flatMap(flag => flag.names.map(name => `${key(command)} ${name}`)))
  const choices = tree.flatMap(command => command.flags.filter(flag => flag.choices.length > 0).flatMap(flag => flag.names.map(name => [`${key(command)} ${name}`, flag.choices.map(shellQuote)] as [string, string[]])))
  const flagLookups = tree.flatMap(command => command.flags.filter(flag => flag.lookup).flatMap(flag => flag.names.map(name => [`${key(command)} ${name}`, [flag.lookup!]] as [string, string[]])))
  return `#compdef lambda
# zsh completion for lambda (Mini Lambda ${version}), made by \`lambda completion zsh\` from the CLI's commands.
# Load it from ~/.zshrc, after compinit:  source <(lambda completion zsh)
# or install it as _lambda in a folder of $fpath.

${caseTable('__lambda_subcommands', tree.map(command => [key(command), command.subcommands.map(sub => described(sub.name, sub.description))]))}

${caseTable('__lambda_flags', tree.map(command => [key(command), command.flags.flatMap(flag => flag.names.map(name => described(name, flag.description)))]))}

${caseTable('__lambda_positional_choices', tree.map(command => [key(command), command.positionalChoices.map(shellQuote)]))}

${caseTable('__lambda_flag_choices', choices)}

# Arguments and flag values that name a function or a context: looked up at TAB by __lambda_names.
${caseTable('__lambda_positional_lookup', tree.map(command => [key(command), command.positionalLookup ? [command.positionalLookup] : []]))}

${caseTable('__lambda_flag_lookup', flagLookups)}

# The names of one kind into reply: the project's function folders, or the saved contexts (a small sh
# program: no Node, no network, nothing written).
__lambda_names() {
  reply=(\${(f)"$(command sh -c ${shellQuote(nameLookupProgram())} lambda-names "$1" 2>/dev/null)"})
}

__lambda_takes_value() {
  case "$1 $2" in
${valued.length > 0 ? `    ${valued.map(shellQuote).join('|\\\n    ')}) return 0 ;;\n` : ''}  esac
  return 1
}

_lambda() {
  local cmd=lambda word flag value
  local -i helping=0 positional=0 j
  local -a reply names
  # words[1] is lambda, words[CURRENT] the word being completed.
  for ((j = 2; j < CURRENT; j++)); do
    word=\${words[j]}
    if [[ $word == -- ]]; then
      _files
      return
    elif [[ $word == -* ]]; then
      if ((!helping)) && [[ $word != *=* ]] && __lambda_takes_value "$cmd" "$word"; then ((j++)); fi
      # A subcommand comes right after its command; only a global flag (--verbose) may stand between.
      [[ $word == --verbose || $word == --verbose=* ]] || positional=1
    elif ((!positional)); then
      __lambda_subcommands "$cmd"
      names=(\${reply%%:*})
      if ((\${names[(Ie)$word]})); then
        cmd+=" $word"
        # \`lambda help agent keys\`: the words after help name a command.
        [[ $cmd == "lambda help" ]] && { cmd=lambda; helping=1; }
      else
        positional=1
      fi
    fi
  done

  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]}
  if [[ $cur == --*=* ]]; then
    flag=\${cur%%=*}
    compset -P '*='
    __lambda_flag_lookup "$cmd $flag"
    if ((\${#reply})); then __lambda_names "$reply[1]"; compadd -a reply; return; fi
    __lambda_flag_choices "$cmd $flag"
    if ((\${#reply})); then compadd -a reply; else _files; fi
    return
  fi
  if ((!helping && CURRENT > 2)) && [[ $prev == -* && $prev != *=* ]] && __lambda_takes_value "$cmd" "$prev"; then
    __lambda_flag_lookup "$cmd $prev"
    if ((\${#reply})); then __lambda_names "$reply[1]"; compadd -a reply; return; fi
    __lambda_flag_choices "$cmd $prev"
    if ((\${#reply})); then compadd -a reply; else _files; fi
    return
  fi
  if [[ $cur == -* ]]; then
    ((helping)) && return
    __lambda_flags "$cmd"
    _describe -t flags 'flag' reply
    return
  fi
  if ((!positional)); then
    __lambda_subcommands "$cmd"
    if ((\${#reply})); then
      _describe -t commands 'command' reply
      return
    fi
  fi
  ((helping)) && return
  if ((!positional)); then
    __lambda_positional_lookup "$cmd"
    if ((\${#reply})); then __lambda_names "$reply[1]"; compadd -a reply; return; fi
  fi
  __lambda_positional_choices "$cmd"
  if ((\${#reply})); then compadd -a reply; else _files; fi
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _lambda "$@"
else
  compdef _lambda lambda
fi
`
}
