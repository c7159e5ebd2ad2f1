// {{name}}: a plain HTTP server, no Mini Lambda runtime involved: it only has to listen on $LAMBDA_SOCKET.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'

// Written by the Dockerfile's RUN step when the image was built.
const ready = readFileSync('/var/task/data/ready', 'utf8').trim()

const server = createServer((req, res) => {
  const body = JSON.stringify({ function: process.env.LAMBDA_FUNCTION_NAME, version: process.env.LAMBDA_FUNCTION_VERSION, method: req.method, url: req.url, requestId: req.headers['x-request-id'], ready })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
})
server.listen(process.env.LAMBDA_SOCKET)
// docker stop sends SIGTERM; finish what is in flight, then exit.
process.on('SIGTERM', () => server.close(() => process.exit(0)))
