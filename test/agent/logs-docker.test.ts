import { describeDocker } from '../helpers/docker'
import { logsStory } from './logs-story'

describeDocker('logs (docker provider: the Docker logs API)', () => {
  logsStory('docker')
})
