import { describe, expect, it } from 'vitest'
import { reviewDockerfile } from '../../../src/providers/docker/dockerfile-policy'

const BASE = { BASE_IMAGE: 'mini-lambda/runtime:abc123' }
const review = (text: string) => reviewDockerfile(text, BASE)
const problemsOf = (text: string) => review(text).problems.map(p => `${p.line}: ${p.problem}`)

describe('what an uploaded Dockerfile may ask of the Docker daemon', () => {
  it('the docker template and the usual Dockerfile on the base pass, naming only the base image', () => {
    const text = 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY server.mjs /var/task/server.mjs\nRUN mkdir -p /var/task/data && echo ok > /var/task/data/ready\nADD vendor.tar.gz /opt/\nENTRYPOINT ["/usr/local/bin/node", "/var/task/server.mjs"]\n'
    expect(review(text)).toEqual({ problems: [], images: [{ line: 2, ref: 'mini-lambda/runtime:abc123' }] })
  })

  it('multi-stage builds copy from their own stages (by name or number) and scratch without naming an image', () => {
    const text = 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE} AS Build\nRUN echo hi > /x\nFROM scratch AS empty\nFROM ${BASE_IMAGE}\nCOPY --from=build /x /x\nCOPY --from=0 /x /y\nCOPY --from=empty / /z\n'
    const { problems, images } = review(text)
    expect(problems).toEqual([])
    expect(images.map(i => i.ref)).toEqual(['mini-lambda/runtime:abc123', 'mini-lambda/runtime:abc123'])
  })

  it.each([
    ['JSON form with an escaped slash', 'FROM x\nADD ["http:\\/\\/127.0.0.1\\/a", "/b"]\n'],
    ['JSON form with a unicode escape', 'FROM x\nADD ["\\u0068ttp://127.0.0.1/a", "/b"]\n'],
    ['an escaped character in shell form', 'FROM x\nADD ht\\tp://127.0.0.1/a /b\n'],
    ['several sources, the second remote', 'FROM x\nADD local.txt https://example.com/a /dest/\n'],
    ['flags before the source', 'FROM x\nADD --chown=10001:10001 --chmod=644 https://example.com/a /dest\n'],
    ['a git source', 'FROM x\nADD git@github.com:org/repo.git /src\n'],
    ['a variable source', 'FROM x\nENV U=http://127.0.0.1/x\nADD ${U} /x\n'],
    ['CRLF line endings and a continuation', 'FROM x\r\nADD \\\r\n  http://127.0.0.1/a /b\r\n'],
  ])('refuses a remote ADD: %s', (_, text) => {
    const addLine = text.split(/\r?\n/).findIndex(line => /^add /i.test(line)) + 1
    expect(review(text).problems).toEqual([expect.objectContaining({ line: addLine })])
  })

  it('variables in a FROM line come from ARGs declared before it, overridden only by the build args the agent passes', () => {
    expect(review('ARG BASE_IMAGE=node:20\nFROM $BASE_IMAGE\n').images).toEqual([{ line: 2, ref: 'mini-lambda/runtime:abc123' }])
    expect(review('ARG TAG="20-slim"\nFROM node:${TAG}\n').images).toEqual([{ line: 2, ref: 'node:20-slim' }])
    expect(review('ARG TAG\nFROM node:${TAG:-22}\n').images).toEqual([{ line: 2, ref: 'node:22' }])
    expect(problemsOf('FROM ${BASE_IMAGE}\n')[0]).toContain('not declared with ARG before the first FROM')
    expect(problemsOf('ARG A\nFROM ${A:?missing}\n')).toHaveLength(1)
  })

  it('cOPY --from with a variable, ONBUILD and unknown instructions are refused', () => {
    expect(problemsOf('FROM x\nARG S=evil\nCOPY --from=$S /a /b\n')).toEqual([expect.stringContaining('3: COPY --from=$S uses a variable')])
    expect(problemsOf('FROM x\nONBUILD RUN true\n')).toEqual([expect.stringContaining('2: ONBUILD is not allowed')])
    expect(problemsOf('FROM x\nFETCH http://a /b\n')).toEqual([expect.stringContaining('"FETCH" is not a Dockerfile instruction')])
  })

  // Each of these passed a review by a general-purpose parser while Docker's classic builder ran the ADD.
  it.each([
    ['a heredoc that swallows the next lines', 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN true <<"#X"\nADD http://127.0.0.1:1/hidden /x\n#X\n', 3],
    ['a lone carriage return after an escape', 'FROM x\nLABEL a=b \\\r\r\nADD http://127.0.0.1:1/cr /x\n', 2],
    ['JSON with something after the array', 'FROM x\nADD ["http:\\u002f\\u002f127.0.0.1:1/json","/x"] junk\n', 2],
    ['a non-breaking space a reader may take for a space', 'FROM x\nADD\u00A0http://127.0.0.1:1/nbsp /x\n', 2],
  ])('refuses what readers could disagree on: %s', (_, text, line) => {
    expect(review(text).problems.map(p => p.line)).toContain(line)
  })

  it('refuses quotes in image names and flags in any form but --name=value', () => {
    expect(problemsOf('FROM "127.0.0.1:1/evil"\n')[0]).toContain('without quotes')
    expect(problemsOf('FROM x\nCOPY --from 127.0.0.1:1/evil /a /b\n')[0]).toContain('flags are written')
    expect(problemsOf('FROM x\nCOPY "--from=127.0.0.1:1/evil" /a /b\n')).toEqual([])
    expect(review('FROM x\nCOPY "--from=127.0.0.1:1/evil" /a /b\n').images.map(i => i.ref)).toEqual(['x'])
  })

  it('a URL elsewhere (a RUN, a LABEL, an ENV) is the build\'s business, not the daemon\'s', () => {
    expect(review('FROM x\nLABEL url=https://example.com\nENV A=http://b\nRUN echo http://c\nCOPY a.txt /a\n').problems).toEqual([])
  })
})
