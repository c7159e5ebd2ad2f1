import type { CompletionCommand } from './command-tree'
import { nameLookupProgram } from './name-lookup'

/** A word as bash reads it inside single quotes. */
export const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`

const caseTable = (fn: string, rows: Array<[pattern: string, value: string]>, otherwise = '') => [
  `${fn}() {`,
  '  case "$1" in',
  ...rows.filter(([, value]) => value !== '').map(([pattern, value]) => `    ${shellQuote(pattern)}) echo ${shellQuote(value)} ;;`),
  ...(otherwise ? [`    *) ${otherwise} ;;`] : []),
  '  esac',
  '}',
].join('\n')

/**
 * `lambda completion bash`: the command tree as case tables, and one function that walks the words typed
 * so far (subcommands, flags and the values they take) to offer what may come next. Plain bash (3.2 on
 * up), no bash-completion package needed; nothing typed is ever evaluated.
 */
export function renderBashCompletion(tree: CompletionCommand[], version: string): string {
  const key = (command: CompletionCommand) => command.path.join(' ')
  const valued = tree.flatMap(command => command.flags.filter(flag => flag.takesValue).flatMap(flag => flag.names.map(name => `${key(command)} ${name}`)))
  const choices = tree.flatMap(command => command.flags.filter(flag => flag.choices.length > 0).flatMap(flag => flag.names.map(name => [`${key(command)} ${name}`, flag.choices.join(' ')] as [string, string])))
  const flagLookups = tree.flatMap(command => command.flags.filter(flag => flag.lookup).flatMap(flag => flag.names.map(name => [`${key(command)} ${name}`, flag.lookup!] as [string, string])))
  return `# bash completion for lambda (Mini Lambda ${version}), made by \`lambda completion bash\` from the CLI's commands.
# Load it from ~/.bashrc:  source <(lambda completion bash)
# or install it:           lambda completion bash > ~/.local/share/bash-completion/completions/lambda

${caseTable('__lambda_subcommands', tree.map(command => [key(command), command.subcommands.map(sub => sub.name).join(' ')]))}

${caseTable('__lambda_flags', tree.map(command => [key(command), command.flags.flatMap(flag => flag.names).join(' ')]))}

${caseTable('__lambda_positional_choices', tree.map(command => [key(command), command.positionalChoices.join(' ')]))}

${caseTable('__lambda_flag_choices', choices)}

# Arguments and flag values that name a function or a context: looked up at TAB (see below).
${caseTable('__lambda_positional_lookup', tree.map(command => [key(command), command.positionalLookup ?? '']))}

${caseTable('__lambda_flag_lookup', flagLookups)}

# The names of one kind, from this machine: the project's function folders, or the saved contexts. A small
# sh program (no Node, no network, nothing written), run in a subshell so nothing of it stays in yours.
__lambda_names() {
  command sh -c ${shellQuote(nameLookupProgram())} lambda-names "$1" 2>/dev/null
}

# Names only, never file names: bash's fallback (-o default) is off for this completion (bash 4 and up).
__lambda_names_only() {
  type compopt &>/dev/null && compopt +o default 2>/dev/null
  return 0
}

# Flags whose value is the next word (\`--port 7070\`), as "<command> <flag>".
__lambda_takes_value() {
  case "$1 $2" in
${valued.length > 0 ? `    ${valued.map(shellQuote).join('|\\\n    ')}) return 0 ;;\n` : ''}  esac
  return 1
}

__lambda_complete() {
  local -a words=()
  local i word joined=0
  # COMP_WORDBREAKS splits \`--flag=value\` into three words: join them again.
  for ((i = 1; i <= COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if [[ $word == = && \${#words[@]} -gt 0 && \${words[\${#words[@]}-1]} == -* ]]; then
      words[\${#words[@]}-1]+="="
      joined=1
    elif ((joined)); then
      words[\${#words[@]}-1]+=$word
      joined=0
    else
      words+=("$word")
    fi
  done
  local n=\${#words[@]} cmd=lambda helping=0 positional=0 j subs
  local cur=\${words[n-1]}
  COMPREPLY=()
  for ((j = 0; j < n - 1; j++)); do
    word=\${words[j]}
    if [[ $word == -- ]]; then
      return 0
    elif [[ $word == -* ]]; then
      if ((!helping)) && [[ $word != *=* ]] && __lambda_takes_value "$cmd" "$word"; then ((j++)); fi
      # A subcommand comes right after its command; only a global flag (--verbose) may stand between.
      [[ $word == --verbose || $word == --verbose=* ]] || positional=1
    elif ((!positional)) && subs=" $(__lambda_subcommands "$cmd") " && [[ $subs == *" $word "* ]]; then
      cmd+=" $word"
      # \`lambda help agent keys\`: the words after help name a command.
      if [[ $cmd == "lambda help" ]]; then cmd=lambda helping=1; fi
    else
      positional=1
    fi
  done

  if [[ $cur == --*=* ]]; then
    local flag=\${cur%%=*} value=\${cur#*=} prefix=
    # Without "=" in COMP_WORDBREAKS the whole \`--flag=value\` is the word to replace.
    [[ $COMP_WORDBREAKS == *=* ]] || prefix="$flag="
    local kind=$(__lambda_flag_lookup "$cmd $flag")
    if [[ -n $kind ]]; then
      COMPREPLY=($(compgen -P "$prefix" -W "$(__lambda_names "$kind")" -- "$value"))
      __lambda_names_only
      return 0
    fi
    COMPREPLY=($(compgen -P "$prefix" -W "$(__lambda_flag_choices "$cmd $flag")" -- "$value"))
    return 0
  fi
  local prev=
  ((n >= 2)) && prev=\${words[n-2]}
  if ((!helping)) && [[ $prev == -* && $prev != *=* ]] && __lambda_takes_value "$cmd" "$prev"; then
    # A value: its choices, the names it takes, or file names (the default) when any value goes.
    local kind=$(__lambda_flag_lookup "$cmd $prev")
    if [[ -n $kind ]]; then
      COMPREPLY=($(compgen -W "$(__lambda_names "$kind")" -- "$cur"))
      __lambda_names_only
      return 0
    fi
    COMPREPLY=($(compgen -W "$(__lambda_flag_choices "$cmd $prev")" -- "$cur"))
    return 0
  fi
  if [[ $cur == -* ]]; then
    ((helping)) || COMPREPLY=($(compgen -W "$(__lambda_flags "$cmd")" -- "$cur"))
    return 0
  fi
  ((positional)) || COMPREPLY=($(compgen -W "$(__lambda_subcommands "$cmd")" -- "$cur"))
  if ((\${#COMPREPLY[@]} == 0 && !helping && !positional)); then
    COMPREPLY=($(compgen -W "$(__lambda_positional_choices "$cmd")" -- "$cur"))
    local kind=$(__lambda_positional_lookup "$cmd")
    if [[ -n $kind ]]; then
      COMPREPLY=($(compgen -W "$(__lambda_names "$kind")" -- "$cur"))
      __lambda_names_only
    fi
  fi
  return 0
}

complete -o default -F __lambda_complete lambda
`
}
