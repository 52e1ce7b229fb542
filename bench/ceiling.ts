// The ceiling: a bare Fastify 5 server answering every GET with the very bytes and headers of
// a real article response, from memory. Started by bench/run.ts with BODY_FILE, HEADERS, PORT.
import fs from 'node:fs';
import Fastify from 'fastify';

const body = fs.readFileSync(process.env.BODY_FILE!);
const headers = JSON.parse(process.env.HEADERS!) as Record<string, string>;
const app = Fastify({ logger: false });
app.get('/*', async (_request, reply) => reply.headers(headers).send(body));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
