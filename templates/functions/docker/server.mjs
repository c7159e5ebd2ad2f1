// {{name}}: a plain HTTP server, no Mini Lambda runtime involved: it only has to listen on $LAMBDA_SOCKET.
import { createServer } from 'node:http'

const server = createServer((req, res) => {
  const body = JSON.stringify({ function: process.env.LAMBDA_FUNCTION_NAME, version: process.env.LAMBDA_FUNCTION_VERSION, method: req.method, url: req.url, requestId: req.headers['x-request-id'] })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
})
server.listen(process.env.LAMBDA_SOCKET)
// docker stop sends SIGTERM; finish what is in flight, then exit.
process.on('SIGTERM', () => server.close(() => process.exit(0)))
