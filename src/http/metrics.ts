// Prometheus metrics (prom-client) of one app instance: requests and their latency per route,
// the response cache, the database pool, and Node's process metrics. Served at GET /metrics
// on the main port behind an admin token, or, with CMS_METRICS_ADDRESS, by a listener of its
// own (started by server.ts) without a token, and then not on the main port.
//
// Labels stay bounded: a request is labelled by its route's URL pattern (`/v1/articles/:id`),
// never by the URL asked for, and every request that no route matched shares one label.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { parseHostPort } from '../config.ts';
import { requireRole } from './auth.ts';
import { noQuery } from './common-schemas.ts';
import type { ResponseCacheObserver } from './response-cache.ts';
import { problems } from './responses.ts';

/** The route label of requests no route matched (404s for unknown paths). */
export const UNMATCHED_ROUTE = '(unmatched)';

/** Seconds; cache hits take well under a millisecond, uncached pages a few. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface PoolStats {
  /** Connections open (busy and idle). */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
}

/**
 * The pool state of a database that has a pg Pool (PostgreSQL), read at each scrape;
 * undefined for one that has none (SQLite: one writer and one reader connection, no pool).
 */
export function poolStatsOf(db: object): (() => PoolStats) | undefined {
  const pool = (db as { pool?: { totalCount: number; idleCount: number; waitingCount: number } }).pool;
  if (!pool) return undefined;
  return () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
}

export interface AppMetrics {
  /** This app's own metrics (not prom-client's global registry: tests build many apps in one process). */
  registry: Registry;
  contentType: string;
  /** The text exposition: this app's metrics and the process's. */
  render(): Promise<string>;
  /** Creates the response cache's metrics and the observer that feeds them. */
  observeResponseCache(): ResponseCacheObserver;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: AppMetrics;
  }
}

export interface MetricsOptions {
  pool?: () => PoolStats;
  /** Webhook deliveries not yet made, read at each scrape (the webhooks module provides it). */
  webhookBacklog?: () => Promise<{ pending: number; oldestDueSeconds: number }>;
}

let processWide: Registry | undefined;

/**
 * Node's process metrics, collected once per process into a registry of their own: they
 * describe the process, not an app, and each collection starts a GC observer and an event-loop
 * monitor that are never stopped.
 */
function processMetrics(): Registry {
  if (!processWide) {
    processWide = new Registry();
    collectDefaultMetrics({ register: processWide });
  }
  return processWide;
}

/** A gauge whose value is read when scraped. */
function readOnScrape(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export default fp(
  async function metricsPlugin(app: FastifyInstance, opts: MetricsOptions) {
    const registry = new Registry();
    const processRegistry = processMetrics(); // started now, so the first scrape has event-loop figures
    const registers = [registry];
    const labelNames = ['method', 'route', 'status_code'] as const;
    const requests = new Counter({ name: 'cms_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status code', labelNames, registers });
    const latency = new Histogram({
      name: 'cms_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response, by method, route pattern and status code',
      labelNames,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const record = (method: string, route: string, statusCode: number, seconds: number) => {
      const labels = { method, route, status_code: String(statusCode) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    };
    app.addHook('onResponse', (request, reply, done) => {
      record(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });

    const pool = opts.pool;
    if (pool) {
      readOnScrape(registry, 'cms_db_pool_connections', 'PostgreSQL connections open in the pool, busy or idle', () => pool().total);
      readOnScrape(registry, 'cms_db_pool_idle_connections', 'PostgreSQL connections open and idle', () => pool().idle);
      readOnScrape(registry, 'cms_db_pool_waiting_queries', 'Queries waiting for a free PostgreSQL connection', () => pool().waiting);
    }
    const backlog = opts.webhookBacklog;
    if (backlog) {
      // Read at each scrape (an async collect: prom-client awaits it); one small query each.
      const read = backlog;
      new Gauge({ name: 'cms_webhook_backlog', help: 'Webhook deliveries not yet made (pending, including retries not yet due)', registers: [registry], async collect() { this.set((await read()).pending); } });
      new Gauge({ name: 'cms_webhook_oldest_due_seconds', help: 'How long the oldest due webhook delivery has waited (0: none)', registers: [registry], async collect() { this.set((await read()).oldestDueSeconds); } });
    }

    const observeResponseCache = (): ResponseCacheObserver => {
      const hits = new Counter({ name: 'cms_response_cache_hits_total', help: 'Anonymous GET/HEAD requests answered from the response cache', registers });
      const misses = new Counter({ name: 'cms_response_cache_misses_total', help: 'Anonymous GET/HEAD requests the response cache could not answer', registers });
      const evictions = new Counter({
        name: 'cms_response_cache_evictions_total',
        help: 'Entries removed: to make room (capacity) or made stale by a change or a due publication (invalidated)',
        labelNames: ['reason'] as const,
        registers,
      });
      return {
        hit(route, direct) {
          hits.inc();
          if (direct) record(direct.method, route, direct.statusCode, direct.seconds);
        },
        miss: () => misses.inc(),
        evicted: (reason) => evictions.inc({ reason }),
        measure(size) {
          readOnScrape(registry, 'cms_response_cache_entries', 'Responses held by the response cache', () => size().entries);
          readOnScrape(registry, 'cms_response_cache_bytes', 'Memory the response cache counts against its limit', () => size().bytes);
          readOnScrape(registry, 'cms_response_cache_max_bytes', 'The response cache’s limit (CMS_RESPONSE_CACHE_BYTES)', () => size().maxBytes);
        },
      };
    };

    const metrics: AppMetrics = {
      registry,
      contentType: registry.contentType,
      render: () => Registry.merge([processRegistry, registry]).metrics(),
      observeResponseCache,
    };
    app.decorate('metrics', metrics);
  },
  { name: 'metrics' },
);

/**
 * GET /metrics on the main port, for admin tokens (not registered when CMS_METRICS_ADDRESS
 * gives metrics a listener of their own).
 */
export const metricsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['health'],
        summary: 'Prometheus metrics',
        description:
          'The Prometheus text format (`text/plain; version=0.0.4`): requests and their latency by method, route pattern and status; ' +
          'response-cache hits, misses, evictions and size; the PostgreSQL pool; Node’s process metrics. Needs an admin token. ' +
          'When the service is started with `CMS_METRICS_ADDRESS`, metrics are served on that address without a token instead, and this route answers 404.',
        security: [{ bearerAuth: [] }],
        querystring: noQuery,
        response: {
          200: {
            description: 'Metrics in the Prometheus text exposition format, version 0.0.4 (`Content-Type: text/plain; version=0.0.4; charset=utf-8`)',
            content: { 'text/plain': { schema: z.string() } },
          },
          ...problems(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      requireRole(request, 'admin');
      reply.type(app.metrics.contentType);
      return app.metrics.render();
    },
  );
};

export interface MetricsListener {
  address: AddressInfo;
  close(): Promise<void>;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

/**
 * Serves GET /metrics, without a token, on an address of its own (CMS_METRICS_ADDRESS: one
 * that only the scraper can reach); nothing else is served there.
 */
export async function listenMetrics(app: FastifyInstance, address: string): Promise<MetricsListener> {
  const { host, port } = parseHostPort(address)!; // validated by the config
  const server = http.createServer((req, res) => {
    if (req.url!.split('?')[0] !== '/metrics') {
      res.writeHead(404, TEXT).end('Not found: this address serves GET /metrics only.\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...TEXT, allow: 'GET, HEAD' }).end('Method not allowed: GET or HEAD.\n');
      return;
    }
    app.metrics.render().then(
      (body) => res.writeHead(200, { 'content-type': app.metrics.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => {
        app.log.error({ err }, 'metrics could not be collected');
        res.writeHead(500, TEXT).end('Metrics could not be collected.\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
