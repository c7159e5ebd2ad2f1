import { describeDocker } from '../helpers/docker'
import { burstStory } from './burst-story'

describeDocker('a burst on the docker provider', () => {
  burstStory('docker')
})
