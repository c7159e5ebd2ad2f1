// The baseline: a bare node:http server answering what `hello` answers.
import { createServer } from 'node:http'

const body = JSON.stringify({ message: 'Hello, World!' })
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  res.end(body)
})
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`bare server on ${process.env.PORT}`))
