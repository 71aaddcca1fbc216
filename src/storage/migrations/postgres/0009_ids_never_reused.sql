-- Identity columns never hand out an id twice: nothing to change (SQLite needs AUTOINCREMENT).
SELECT 1;
