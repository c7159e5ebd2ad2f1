import { describe, expect, it } from 'vitest'
import { toScheduledEvent } from '../../runtime/scheduled-event.mjs'

const request = (headers: Record<string, string>) => ({ header: (name: string) => headers[name.toLowerCase()] })
const context = { requestId: 'b2c3d4e5-0000-4000-8000-000000000001', functionName: 'report', version: '3', memoryLimitInMB: 128, deadline: 0, getRemainingTimeInMillis: () => 0, waitUntil: () => {} }
const trigger = { 'x-lambda-trigger': 'schedule', 'x-lambda-schedule-id': 'cfg-3fa9c2d1e0b4', 'x-lambda-scheduled-time': '2030-01-01T06:00:00.000Z' }

describe('the EventBridge event a Lambda handler gets from a schedule', () => {
  it('has the shape of AWS\'s "Scheduled Event", field by field', () => {
    const event = toScheduledEvent(request(trigger), Buffer.from('{"kind":"daily"}'), context)
    expect(event).toEqual({
      'version': '0',
      'id': context.requestId,
      'detail-type': 'Scheduled Event',
      'source': 'aws.events',
      'account': '000000000000',
      'time': '2030-01-01T06:00:00Z',
      'region': 'local',
      'resources': ['arn:aws:events:local:000000000000:rule/cfg-3fa9c2d1e0b4'],
      'detail': { kind: 'daily' },
    })
  })

  it('has detail {} without a payload, and is no event for any other request', () => {
    expect(toScheduledEvent(request(trigger), Buffer.from('{}'), context)?.detail).toEqual({})
    expect(toScheduledEvent(request(trigger), Buffer.alloc(0), context)?.detail).toEqual({})
    expect(toScheduledEvent(request({ 'x-lambda-trigger': 'api' }), Buffer.alloc(0), context)).toBeUndefined()
    expect(toScheduledEvent(request({}), Buffer.from('{"kind":"daily"}'), context)).toBeUndefined()
  })
})
