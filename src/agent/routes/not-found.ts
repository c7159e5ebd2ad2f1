import { LambdaError } from '../../errors'

export function functionNotFound(name: string, known: string[]): LambdaError {
  return new LambdaError({
    code: 'FUNCTION_NOT_FOUND',
    status: 404,
    message: `No function named "${name}" is deployed. Deployed: ${known.length > 0 ? known.join(', ') : '(none)'}.`,
    hint: 'Deploy it with `lambda deploy`, or check the name with `lambda list`.',
    data: { known },
  })
}
