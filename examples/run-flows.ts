// Runs both example clients' flows against CMS_URL (used by test/sdk/sdk.test.ts, in its own
// process) and prints what they saw as JSON.
import fs from 'node:fs';
import { heyApiReaderFlow } from './hey-api-reader.ts';
import { editorFlow, readerFlow } from './openapi-fetch-client.ts';

const baseUrl = process.env.CMS_URL!;
const photo = fs.readFileSync(new URL('../fixtures/images/putin-kim-vostochny.jpg', import.meta.url));
const edited = await editorFlow(baseUrl, process.env.CMS_TOKEN!, photo);
const read = await readerFlow(baseUrl, 'national', edited.article.slug);
const hey = await heyApiReaderFlow(baseUrl, 'national', edited.article.slug);
console.log(JSON.stringify({ edited, read, hey }));
