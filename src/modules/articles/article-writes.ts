// Creating, changing and deleting articles: the references a body names are checked (422), a
// slug is claimed (409 when taken), and the fields given are applied onto the stored record.
import { uuidv7 } from 'uuidv7';
import { ConflictError, type FieldError, UnprocessableError } from '../../http/errors.ts';
import { requireRoleOf, type Principal } from '../tokens/roles.ts';
import { checkIfMatch, commit, type EditorDeps, findArticle, slugTaken } from './editor-shared.ts';
import type { ArticleCreateInput, ArticlePatchInput } from './input-schemas.ts';
import type { ArticleDto, StoredBlock } from './schemas.ts';
import type { ArticleRecord } from './service.ts';
import { firstFreeSlug, slugFrom, tagSlug } from './slugs.ts';

/** 422 naming every referenced id that does not exist. */
async function checkReferences(deps: EditorDeps, input: ArticlePatchInput, selfId?: string): Promise<void> {
  const errors: FieldError[] = [];
  const missing = (path: string, what: string) => errors.push({ in: 'body', path, message: `No such ${what}` });
  if (input.sectionId !== undefined && !(await deps.sections.findById(input.sectionId))) missing('sectionId', 'section');
  for (const [i, id] of (input.secondarySectionIds ?? []).entries()) {
    if (!(await deps.sections.findById(id))) missing(`secondarySectionIds.${i}`, 'section');
  }
  for (const [i, id] of (input.authorIds ?? []).entries()) {
    if (!(await deps.authors.findById(id))) missing(`authorIds.${i}`, 'author');
  }
  if (input.leadImage && !(await deps.images.findById(input.leadImage.imageId))) missing('leadImage.imageId', 'image');
  for (const [i, b] of (input.body ?? []).entries()) {
    if (b.type === 'image' && !(await deps.images.findById(b.imageId))) missing(`body.${i}.imageId`, 'image');
  }
  for (const [i, l] of (input.relatedLinks ?? []).entries()) {
    if (!('articleId' in l)) continue;
    if (l.articleId === selfId) errors.push({ in: 'body', path: `relatedLinks.${i}.articleId`, message: 'An article cannot link to itself' });
    else if (!(await deps.rows.findById(l.articleId))) missing(`relatedLinks.${i}.articleId`, 'article');
  }
  if (errors.length > 0) throw new UnprocessableError('The body names resources that do not exist.', errors);
}

async function claimSlug(deps: EditorDeps, slug: string, selfId?: string): Promise<string> {
  if (await slugTaken(deps, slug, selfId)) {
    throw new ConflictError(`The slug \`${slug}\` is taken by another article.`, [{ in: 'body', path: 'slug', message: 'Slug already in use' }]);
  }
  return slug;
}

async function tagIds(deps: EditorDeps, names: string[], at: number): Promise<string[]> {
  const seen = new Set<string>();
  const wanted = names
    .map((name) => ({ id: uuidv7(), name, slug: tagSlug(name) }))
    .filter((t) => !seen.has(t.slug) && seen.add(t.slug));
  return deps.tags.ensure(wanted, at);
}

/**
 * The translation group `translationOf` names: that article's group, begun with its own id
 * when it has none yet (422 when no such article exists or it is the article itself; the
 * caller holds a token, which sees every article).
 */
async function translationGroupOf(deps: EditorDeps, translationOf: string, selfId: string): Promise<string> {
  const other = translationOf === selfId ? undefined : await deps.rows.findById(translationOf);
  if (!other) {
    throw new UnprocessableError('`translationOf` names no other article.', [
      { in: 'body', path: 'translationOf', message: translationOf === selfId ? 'An article cannot be its own translation' : 'No such article' },
    ]);
  }
  if (other.translationGroup) return other.translationGroup;
  await deps.rows.setTranslationGroup(other.id, other.id);
  return other.id;
}

/** Applies input fields onto a record (the fields absent from input stay as they are). */
async function apply(deps: EditorDeps, record: ArticleRecord, input: ArticlePatchInput, at: number): Promise<ArticleRecord> {
  const next = { ...record };
  if (input.headline !== undefined) next.headline = input.headline;
  if (input.subheadline !== undefined) next.subheadline = input.subheadline;
  if (input.summary !== undefined) next.summary = input.summary;
  if (input.body !== undefined) next.body = input.body as StoredBlock[];
  if (input.sectionId !== undefined) next.sectionId = input.sectionId;
  if (input.secondarySectionIds !== undefined) next.secondarySectionIds = input.secondarySectionIds;
  if (input.authorIds !== undefined) next.authorIds = input.authorIds;
  if (input.leadImage !== undefined) {
    next.leadImage = input.leadImage && { imageId: input.leadImage.imageId, caption: input.leadImage.caption ?? null, credit: input.leadImage.credit ?? null };
  }
  if (input.relatedLinks !== undefined) {
    next.relatedLinks = input.relatedLinks.map((l) =>
      'articleId' in l ? { title: l.title ?? null, url: null, targetArticleId: l.articleId } : { title: l.title, url: l.url, targetArticleId: null },
    );
  }
  if (input.tags !== undefined) next.tagIds = await tagIds(deps, input.tags, at);
  if (input.dateline !== undefined) next.dateline = input.dateline;
  if (input.language !== undefined) next.language = input.language;
  if (input.canonicalUrl !== undefined) next.canonicalUrl = input.canonicalUrl;
  if (input.kicker !== undefined) next.kicker = input.kicker;
  if (input.translationOf !== undefined) next.translationGroup = await translationGroupOf(deps, input.translationOf, record.id);
  if (input.slug !== undefined) next.slug = await claimSlug(deps, input.slug, record.id);
  return next;
}

/** A new draft with nothing but its id, slug, headline and section. */
function emptyDraft(id: string, slug: string, input: ArticleCreateInput, at: number): ArticleRecord {
  return {
    id,
    slug,
    headline: input.headline,
    subheadline: null,
    summary: null,
    body: [],
    status: 'draft',
    version: 1,
    sectionId: input.sectionId,
    secondarySectionIds: [],
    authorIds: [],
    tagIds: [],
    leadImage: null,
    relatedLinks: [],
    dateline: null,
    language: 'en',
    canonicalUrl: null,
    kicker: null,
    translationGroup: null,
    publishedAt: null,
    firstPublishedAt: null,
    createdAt: at,
    updatedAt: at,
  };
}

export function createArticleWrites(deps: EditorDeps) {
  return {
    async create(input: ArticleCreateInput, principal: Principal): Promise<ArticleDto> {
      requireRoleOf(principal, 'writer');
      return deps.rows.transaction(async () => {
        await checkReferences(deps, input);
        const at = deps.now();
        const id = uuidv7();
        const slug =
          input.slug !== undefined
            ? await claimSlug(deps, input.slug)
            : await firstFreeSlug(slugFrom(input.headline) || `article-${id.slice(-12)}`, (s) => slugTaken(deps, s));
        const { slug: _slug, ...rest } = input;
        return deps.articles.save(await apply(deps, emptyDraft(id, slug, input, at), rest, at), principal.name, true);
      });
    },

    async patch(id: string, input: ArticlePatchInput, principal: Principal, ifMatch?: string): Promise<ArticleDto> {
      return deps.rows.transaction(async () => {
        const row = await findArticle(deps, id);
        requireRoleOf(principal, row.status === 'draft' ? 'writer' : 'editor');
        await checkIfMatch(deps, row, ifMatch);
        await checkReferences(deps, input, id);
        const before = await deps.articles.record(row);
        return commit(deps, before, await apply(deps, before, input, deps.now()), principal);
      });
    },

    async delete(id: string, principal: Principal): Promise<void> {
      await deps.rows.transaction(async () => {
        await findArticle(deps, id);
        requireRoleOf(principal, 'editor');
        await deps.articles.remove(id);
      });
    },
  };
}
