import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function hasNginx() {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'pipe' })
    return true
  }
  catch {
    return false
  }
}

/**
 * nginx (Debian package) proxying 127.0.0.1:port to a unix socket with kept-alive upstream connections.
 * As root its workers would drop to nobody, who cannot enter the agent's 0700 data dir.
 */
export async function startNginx(port, socketPath) {
  const prefix = mkdtempSync(join(tmpdir(), 'bench-nginx-'))
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) mkdirSync(join(prefix, dir))
  const conf = join(prefix, 'nginx.conf')
  writeFileSync(conf, `
daemon off;
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream fn { server unix:${socketPath}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://fn;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_buffering off;
    }
  }
}
`)
  const child = spawn('nginx', ['-c', conf, '-p', prefix], { stdio: 'ignore' })
  await new Promise(r => setTimeout(r, 300))
  const stop = () => new Promise((resolve) => {
    child.once('exit', resolve)
    child.kill('SIGQUIT')
  })
  return { stop, pid: child.pid }
}
