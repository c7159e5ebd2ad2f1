import { describe } from 'vitest'
import { burstStory } from './burst-story'

describe('a burst on the process provider', () => {
  burstStory('process')
})
