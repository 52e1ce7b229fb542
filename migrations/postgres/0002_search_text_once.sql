-- The body's plain text was a second copy of every body: the search vector is computed from
-- articles.body when an article is written (search-postgres.ts).
ALTER TABLE "articles" DROP COLUMN "body_text";
