import { LambdaError } from '../../errors'

/**
 * `known` lists the deployed functions, for callers who may see them (the admin API, behind a key);
 * a public caller learns nothing about other functions.
 */
export function functionNotFound(name: string, known?: string[]): LambdaError {
  if (!known) {
    return new LambdaError({
      code: 'FUNCTION_NOT_FOUND',
      status: 404,
      message: `No function named "${name}" is deployed here.`,
      hint: 'Check the name in the URL; `lambda list` shows the deployed functions.',
    })
  }
  return new LambdaError({
    code: 'FUNCTION_NOT_FOUND',
    status: 404,
    message: `No function named "${name}" is deployed. Deployed: ${known.length > 0 ? known.join(', ') : '(none)'}.`,
    hint: 'Deploy it with `lambda deploy`, or check the name with `lambda list`.',
    data: { known },
  })
}
