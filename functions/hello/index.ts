import type { FunctionContext } from 'mini-lambda'

export default (_request: Request, _context: FunctionContext) => ({ message: 'Hello, World!' })
