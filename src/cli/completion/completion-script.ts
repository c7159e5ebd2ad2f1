import type { CommandMeta } from 'citty'
import type { AnyCommand } from '../resolve-command'
import { resolveValue } from '../resolve-command'
import { renderBashCompletion } from './bash-script'
import { completionTree } from './command-tree'
import { renderFishCompletion } from './fish-script'
import { renderZshCompletion } from './zsh-script'

const renderers = { bash: renderBashCompletion, zsh: renderZshCompletion, fish: renderFishCompletion }

/** The completion script of `main` for `shell`: static, so a TAB costs no Node start. */
export async function completionScript(main: AnyCommand, shell: keyof typeof renderers): Promise<string> {
  const meta = await resolveValue(main.meta ?? {}) as CommandMeta
  return renderers[shell](await completionTree(main), meta.version ?? '')
}
