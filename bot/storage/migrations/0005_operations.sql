-- Operations: mark the file as a quizbot database, so `quizbot restore` can tell ours from any
-- other SQLite file. 0x51333135 is "Q315" in ASCII; `file` and `sqlite3` show it as the
-- application id. (Numbered 0004 on its branch; renumber freely when merging.)
PRAGMA application_id = 1362309429;
