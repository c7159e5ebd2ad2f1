import { BUNDLE_FILES } from './module-format'

/**
 * The image of a Node function: its bundle on Mini Lambda's base image (Node + runtime/). The agent
 * writes it for every `kind: node` upload (whatever Dockerfile came with it) and passes BASE_IMAGE,
 * so the same bundle builds on whichever base it has. Nothing in it runs or fetches anything.
 */
export function nodeDockerfile(name: string, bundleFile: string = BUNDLE_FILES.esm, withSourceMap = true): string {
  return [
    `# Written by the Mini Lambda agent for function "${name}": its bundle on the runtime image.`,
    'ARG BASE_IMAGE=mini-lambda/runtime',
    'FROM ${BASE_IMAGE}',
    // Labelled first, so even a build cut short leaves only layers the agent can find and remove.
    'ARG MINI_LAMBDA_AGENT',
    'ARG MINI_LAMBDA_FUNCTION',
    'ARG MINI_LAMBDA_VERSION',
    'LABEL mini-lambda.agent=$MINI_LAMBDA_AGENT mini-lambda.function=$MINI_LAMBDA_FUNCTION mini-lambda.version=$MINI_LAMBDA_VERSION',
    `COPY ${bundleFile}${withSourceMap ? ` ${bundleFile}.map` : ''} /var/task/`,
    // The base runs /var/task/index.mjs; a CommonJS bundle is index.cjs.
    ...(bundleFile === BUNDLE_FILES.esm ? [] : [`ENV LAMBDA_HANDLER=/var/task/${bundleFile}`]),
    '',
  ].join('\n')
}
