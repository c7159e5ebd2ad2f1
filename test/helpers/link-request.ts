import type { FrameChannel, FrameRequest, ResponseSink } from '../../src/instances/frame-channel'
import type { RuntimeLink } from '../../src/instances/runtime-link'

export interface LinkAnswer { status: number, headers: string[], body: string }

/** One request over the link's frames, as the gateway sends it; `started` gets the request to abandon it. */
export function requestOverLink(link: RuntimeLink, path: string, options: { id?: string, body?: Buffer, started?: (request: FrameRequest) => void, pauseOnBody?: boolean } = {}): Promise<LinkAnswer> {
  return new Promise((resolve, reject) => {
    const answer: LinkAnswer = { status: 0, headers: [], body: '' }
    let request: FrameRequest | undefined
    const sink: ResponseSink = {
      head: (head) => {
        answer.status = head.status
        answer.headers = head.headers
      },
      body: (chunk) => {
        answer.body += chunk
        // As the gateway does for a slow client, and never resumed here.
        if (options.pauseOnBody) request!.pause()
      },
      end: () => resolve(answer),
      closed: () => reject(new Error('closed')),
      malformed: reason => reject(new Error(`malformed: ${reason}`)),
    }
    const start = (channel: FrameChannel) => {
      request = channel.send({ m: options.body ? 'POST' : 'GET', u: path, h: ['host', 'fn.localhost'], i: options.id ?? 'rid', d: Date.now() + 10_000, b: options.body ? 1 : 0 }, sink, options.body)
      options.started?.(request)
    }
    const idle = link.takeChannel((error, channel) => error ? reject(error) : start(channel!))
    if (idle) start(idle)
  })
}
