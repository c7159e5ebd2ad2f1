/** Sends the request body back, streamed, with the content type it came with. */
export default (request: Request) =>
  new Response(request.body, {
    headers: { 'content-type': request.headers.get('content-type') ?? 'application/octet-stream' },
  })
