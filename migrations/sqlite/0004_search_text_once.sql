-- The searchable text is stored once: the FTS5 index becomes contentless (it keeps only its
-- index; `contentless_delete` lets rows be deleted and replaced by rowid), the body's plain
-- text is extracted from `articles.body` by the triggers (the same text bodyText() makes in JS:
-- paragraph, heading and quote text, quote attributions, list items, image captions, in order),
-- and `articles.body_text`, a second copy of every body, is dropped.
CREATE VIRTUAL TABLE `articles_search` USING fts5(
  headline, subheadline, summary, body,
  content='', contentless_delete=1,
  tokenize='unicode61 remove_diacritics 2',
  prefix='2 3'
);
--> statement-breakpoint
INSERT INTO articles_search(rowid, headline, subheadline, summary, body)
  SELECT seq, headline, subheadline, summary, body_text FROM articles;
--> statement-breakpoint
DROP TRIGGER `articles_fts_ai`;
--> statement-breakpoint
DROP TRIGGER `articles_fts_ad`;
--> statement-breakpoint
DROP TRIGGER `articles_fts_au`;
--> statement-breakpoint
DROP TABLE `articles_fts`;
--> statement-breakpoint
ALTER TABLE `articles` DROP COLUMN `body_text`;
--> statement-breakpoint
CREATE TRIGGER `articles_search_ai` AFTER INSERT ON `articles` BEGIN
  INSERT INTO articles_search(rowid, headline, subheadline, summary, body)
  VALUES (new.seq, new.headline, new.subheadline, new.summary,
    (SELECT group_concat(value, char(10)) FROM json_tree(new.body)
     WHERE type = 'text' AND (key IN ('text', 'attribution', 'caption') OR path LIKE '%.items')));
END;
--> statement-breakpoint
CREATE TRIGGER `articles_search_ad` AFTER DELETE ON `articles` BEGIN
  DELETE FROM articles_search WHERE rowid = old.seq;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_search_au` AFTER UPDATE OF headline, subheadline, summary, body ON `articles` BEGIN
  DELETE FROM articles_search WHERE rowid = old.seq;
  INSERT INTO articles_search(rowid, headline, subheadline, summary, body)
  VALUES (new.seq, new.headline, new.subheadline, new.summary,
    (SELECT group_concat(value, char(10)) FROM json_tree(new.body)
     WHERE type = 'text' AND (key IN ('text', 'attribution', 'caption') OR path LIKE '%.items')));
END;
