import type { CompletionCommand, CompletionFlag } from './command-tree'
import { shellQuote } from './bash-script'
import { nameLookupProgram } from './name-lookup'

/** A word as fish reads it inside single quotes (where only \\ and \' are escapes). */
const fishQuote = (word: string) => `'${word.replace(/[\\']/g, char => `\\${char}`)}'`

/** fish's `complete` options for one flag name: `-l port` or `-s p`. */
const flagOption = (name: string) => name.startsWith('--') ? `-l ${name.slice(2)}` : `-o ${name.slice(1)}`

function flagLines(cmd: string, flag: CompletionFlag): string[] {
  const condition = `-n ${shellQuote(`__lambda_flags_of ${shellQuote(cmd)}`)}`
  // A value from a fixed set or names looked up (-x: required, no file names), any value (-r -F: file names), or none.
  const value = flag.lookup ? `-x -a ${shellQuote(`(__lambda_names ${flag.lookup})`)}` : flag.choices.length > 0 ? `-x -a ${shellQuote(flag.choices.join(' '))}` : flag.takesValue ? '-r -F' : ''
  const short = flag.names.find(name => /^-[^-]$/.test(name))
  return flag.names.filter(name => name.startsWith('--')).map((name, i) => [
    'complete -c lambda',
    condition,
    flagOption(name),
    ...(i === 0 && short ? [`-s ${short.slice(1)}`] : []),
    value,
    `-d ${shellQuote(flag.description)}`,
  ].filter(Boolean).join(' '))
}

/**
 * `lambda completion fish`: one `complete` line per subcommand, flag and fixed value, each under a
 * condition on where the command line stands (`__lambda_state`, the same walk as the bash script).
 */
export function renderFishCompletion(tree: CompletionCommand[], version: string): string {
  const key = (command: CompletionCommand) => command.path.join(' ')
  const valued = tree.flatMap(command => command.flags.filter(flag => flag.takesValue).flatMap(flag => flag.names.map(name => `${key(command)} ${name}`)))
  return `# fish completion for lambda (Mini Lambda ${version}), made by \`lambda completion fish\` from the CLI's commands.
# Install it:  lambda completion fish > ~/.config/fish/completions/lambda.fish

function __lambda_subcommands
    switch "$argv[1]"
${tree.filter(command => command.subcommands.length > 0).map(command => `        case ${shellQuote(key(command))}\n            printf '%s\\n' ${command.subcommands.map(sub => shellQuote(sub.name)).join(' ')}`).join('\n')}
    end
end

function __lambda_takes_value
    switch "$argv[1] $argv[2]"
        case ${valued.map(shellQuote).join(' ')}
            return 0
    end
    return 1
end

# Where the command line stands: "lambda agent" (a subcommand may come), "lambda agent …" (past an
# argument), "help lambda agent" (the words after \`lambda help\` name a command), or "--".
function __lambda_state
    set -l cmd lambda
    set -l helping 0
    set -l positional 0
    set -l skip 0
    for word in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $word
            case --
                echo -- --
                return
            case '-*'
                if test $helping = 0; and not string match -q -- '*=*' $word; and __lambda_takes_value "$cmd" $word
                    set skip 1
                end
                # A subcommand comes right after its command; only a global flag (--verbose) may stand between.
                if not string match -q -- '--verbose*' $word
                    set positional 1
                end
            case '*'
                if test $positional = 0; and contains -- $word (__lambda_subcommands "$cmd")
                    set cmd "$cmd $word"
                    if test "$cmd" = 'lambda help'
                        set cmd lambda
                        set helping 1
                    end
                else
                    set positional 1
                end
        end
    end
    if test $helping = 1
        echo "help $cmd"
    else if test $positional = 1
        echo "$cmd …"
    else
        echo $cmd
    end
end

function __lambda_subcommands_of
    set -l state (__lambda_state)
    test "$state" = $argv[1]; or test "$state" = "help $argv[1]"
end

function __lambda_flags_of
    set -l state (__lambda_state)
    test "$state" = $argv[1]; or test "$state" = "$argv[1] …"
end

function __lambda_argument_of
    test (__lambda_state) = $argv[1]
end

# The names of one kind: the project's function folders, or the saved contexts (a small sh program: no
# Node, no network, nothing written).
function __lambda_names
    command sh -c ${fishQuote(nameLookupProgram())} lambda-names $argv[1] 2>/dev/null
end

complete -c lambda -e
complete -c lambda -f
${tree.flatMap(command => command.subcommands.map(sub => `complete -c lambda -n ${shellQuote(`__lambda_subcommands_of ${shellQuote(key(command))}`)} -a ${shellQuote(sub.name)} -d ${shellQuote(sub.description)}`)).join('\n')}
${tree.filter(command => command.positionalChoices.length > 0).map(command => `complete -c lambda -n ${shellQuote(`__lambda_argument_of ${shellQuote(key(command))}`)} -a ${shellQuote(command.positionalChoices.join(' '))}`).join('\n')}
${tree.filter(command => command.positionalLookup).map(command => `complete -c lambda -n ${shellQuote(`__lambda_argument_of ${shellQuote(key(command))}`)} -a ${shellQuote(`(__lambda_names ${command.positionalLookup})`)}`).join('\n')}
${tree.flatMap(command => command.flags.flatMap(flag => flagLines(key(command), flag))).join('\n')}
`
}
