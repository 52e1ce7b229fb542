-- Full-text index over articles (SQLite FTS5, external content on articles.seq).
-- Diacritics are folded by the tokenizer; prefix indexes make "last word" prefix queries cheap.
CREATE VIRTUAL TABLE `articles_fts` USING fts5(
  headline, subheadline, summary, body_text,
  content='articles', content_rowid='seq',
  tokenize='unicode61 remove_diacritics 2',
  prefix='2 3'
);
--> statement-breakpoint
CREATE TRIGGER `articles_fts_ai` AFTER INSERT ON `articles` BEGIN
  INSERT INTO articles_fts(rowid, headline, subheadline, summary, body_text)
  VALUES (new.seq, new.headline, new.subheadline, new.summary, new.body_text);
END;
--> statement-breakpoint
CREATE TRIGGER `articles_fts_ad` AFTER DELETE ON `articles` BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, headline, subheadline, summary, body_text)
  VALUES ('delete', old.seq, old.headline, old.subheadline, old.summary, old.body_text);
END;
--> statement-breakpoint
CREATE TRIGGER `articles_fts_au` AFTER UPDATE OF headline, subheadline, summary, body_text ON `articles` BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, headline, subheadline, summary, body_text)
  VALUES ('delete', old.seq, old.headline, old.subheadline, old.summary, old.body_text);
  INSERT INTO articles_fts(rowid, headline, subheadline, summary, body_text)
  VALUES (new.seq, new.headline, new.subheadline, new.summary, new.body_text);
END;
