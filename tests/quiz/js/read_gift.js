// Reads a GIFT file with gift-pegjs (a PEG port of Moodle's GIFT grammar) and prints what it parsed
// as JSON, for tests/quiz/test_quiz_export.py. Usage: node read_gift.js FILE
"use strict";
const fs = require("fs");
const { parse } = require("gift-pegjs");

const text = fs.readFileSync(process.argv[2], "utf8");
try {
  process.stdout.write(JSON.stringify(parse(text)));
} catch (error) {
  const where = error.location ? `line ${error.location.start.line}: ` : "";
  process.stderr.write(`gift-pegjs: ${where}${error.message}\n`);
  process.exit(1);
}
