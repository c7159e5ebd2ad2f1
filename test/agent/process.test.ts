import { describe } from 'vitest'
import { agentContract } from './provider-contract'

describe('agent with the process provider', () => {
  agentContract('process')
})
