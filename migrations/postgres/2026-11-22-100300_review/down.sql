DROP TABLE reviews;
DROP TABLE assignments;
DROP TABLE conflicts;
