// Configuration: one zod schema over the environment, parsed once at boot.
// This is the only file that reads process.env.
import { z } from 'zod';

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const positiveInt = z.coerce.number().int().positive();

/** `host:port`, the host a name or an IPv4 address, or an IPv6 address in brackets (`[::1]:9464`). */
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

/** A `host:port` split in two, or null when it is not one (CMS_METRICS_ADDRESS). */
export function parseHostPort(address: string): { host: string; port: number } | null {
  const match = HOST_PORT.exec(address);
  if (!match || Number(match[3]) > 65535) return null;
  return { host: match[1] ?? match[2]!, port: Number(match[3]) };
}

const hostPort = z.string().refine((s) => parseHostPort(s) !== null, 'must be host:port, e.g. 127.0.0.1:9464 or [::1]:9464');

/** The placeholders CMS_ARTICLE_PATH may use (src/modules/articles/urls.ts expands them). */
export const ARTICLE_PATH_PLACEHOLDERS = ['sectionPath', 'slug', 'id', 'yyyy', 'mm', 'dd'] as const;

const articlePath = z
  .string()
  .regex(/^\//, 'must start with /')
  .superRefine((template, ctx) => {
    for (const [, name] of template.matchAll(/\{([^}]*)\}/g)) {
      if (!(ARTICLE_PATH_PLACEHOLDERS as readonly string[]).includes(name!)) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder {${name}}; known: ${ARTICLE_PATH_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` });
      }
    }
    if (/[{}]/.test(template.replace(/\{[^{}]*\}/g, ''))) ctx.addIssue({ code: 'custom', message: 'has an unmatched { or }' });
  });

/** An http(s) URL that paths are appended to (the site's origin, maybe with a path): no query or fragment. */
const siteUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .refine((s) => !/[?#]/.test(s), 'must have no query or fragment (article paths are appended to it)');

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('TCP port to listen on'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface to listen on'),
  CMS_DB: z.string().min(1).default('./data/cms.sqlite').describe('A SQLite database file, or a postgres:// (postgresql://) URL'),
  CMS_DB_POOL: positiveInt.default(10).describe('PostgreSQL connections per instance'),
  CMS_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional().describe('Redis for rate limits and change broadcasts across instances'),
  CMS_MEDIA_DIR: z.string().min(1).default('./data/media').describe('Directory for image files'),
  CMS_SEED: flag.default(true).describe('Load fixtures/ into a new, empty database on start'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CMS_MAX_BODY_BYTES: positiveInt.default(1024 * 1024).describe('Largest JSON body accepted'),
  CMS_MAX_UPLOAD_BYTES: positiveInt.default(20 * 1024 * 1024).describe('Largest image upload accepted'),
  CMS_PUBLIC_URL: z.url().optional().describe('Public origin, for absolute URLs in Link headers'),
  CMS_SITE_URL: siteUrl.optional().describe('The front-end\'s origin, for article `url`s (default CMS_PUBLIC_URL, else http://localhost:PORT)'),
  CMS_ARTICLE_PATH: articlePath.default('/{sectionPath}/{slug}').describe('Path of an article on the site: {sectionPath}, {slug}, {id}, {yyyy}, {mm}, {dd} (of firstPublishedAt, UTC)'),
  CMS_PUBLISHER_NAME: z.string().min(1).max(200).default('Newsroom').describe('The publisher, in feeds, news sitemaps, JSON-LD and ninjs'),
  CMS_PUBLISHER_LOGO_URL: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional().describe('The publisher\'s logo (JSON-LD)'),
  CMS_RATE_LIMIT_WRITES: positiveInt.default(300).describe('Write requests per minute per token (429 above)'),
  CMS_RATE_LIMIT_AUTH_FAILURES: positiveInt.default(30).describe('Failed authentications per minute per client address (429 above)'),
  CMS_RESPONSE_CACHE_BYTES: z.coerce.number().int().min(0).default(128 * 1024 * 1024).describe('Memory for cached public GET responses (0: off)'),
  CMS_RESPONSE_CACHE_ENTRIES: z.coerce.number().int().min(1).default(50_000).describe('Most responses the cache holds (whichever of this and the bytes comes first)'),
  CMS_PUBLIC_MAX_AGE: z.coerce.number().int().min(0).default(60).describe('max-age (s) of public responses'),
  CMS_WEBHOOK_ALLOW_PRIVATE: flag.default(false).describe('Allow webhook URLs on loopback, private and link-local addresses'),
  CMS_WEBHOOK_RETRY_SECONDS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be comma-separated seconds, e.g. 5,30,120')
    .default('5,30,120,600,3600,21600,86400')
    .transform((s) => s.split(',').map(Number))
    .describe('Seconds before each webhook retry; after the last, the delivery is failed'),
  CMS_METRICS_ADDRESS: hostPort.optional().describe('Serve GET /metrics on this host:port without a token, instead of on the main port behind an admin token'),
});

export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, ...overrides };
}
