// csource.test.mjs - functionsIn (tree-sitter-c): names, 1-based lines and
// signatures on tricky C; lines follow edits above a function; static/params.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { load } from './lib/load.mjs';

let cs;
before(async () => {
  cs = await load('core/csource.ts');
});

const FIXTURE = `#include <stdio.h>
#include <stddef.h>
#define DECL(x) int x(void)
struct foo { int a; };
static int add(int a, int b) { return a + b; }
const char *
name_of(const struct foo *f,
        size_t n)
{
  return n ? "x" : "y";   /* } in a comment, "}" in a string */
}
static inline unsigned long hash(const char *s) {
  unsigned long h = 5381;
  while (*s) h = h * 33 + (unsigned char)*s++;
  return h;
}
int (*getfn(void))(int) { return 0; }
#ifdef FEATURE
void cond(void) {}
#endif
void va(const char *fmt, ...) { (void)fmt; }
int prototype_only(int);
int main(int argc, char **argv) { printf("%d\\n", add(argc, 2)); return 0; }
`;

test('definitions: names, lines, signatures', async () => {
  const fns = await cs.functionsIn(FIXTURE);
  assert.deepEqual(fns, [
    { name: 'add', startLine: 5, endLine: 5, nameLine: 5, signature: 'static int add(int a, int b)' },
    { name: 'name_of', startLine: 6, endLine: 11, nameLine: 7, signature: 'const char *name_of(const struct foo *f, size_t n)' },
    { name: 'hash', startLine: 12, endLine: 16, nameLine: 12, signature: 'static inline unsigned long hash(const char *s)' },
    { name: 'getfn', startLine: 17, endLine: 17, nameLine: 17, signature: 'int (*getfn(void))(int)' },
    { name: 'cond', startLine: 19, endLine: 19, nameLine: 19, signature: 'void cond(void)' },
    { name: 'va', startLine: 21, endLine: 21, nameLine: 21, signature: 'void va(const char *fmt, ...)' },
    { name: 'main', startLine: 23, endLine: 23, nameLine: 23, signature: 'int main(int argc, char **argv)' },
  ]);
});

test('lines move with lines inserted above', async () => {
  const before = await cs.functionsIn(FIXTURE);
  const after = await cs.functionsIn('/* one */\n/* two */\n\n' + FIXTURE);
  assert.equal(after.length, before.length);
  for (let i = 0; i < before.length; i++) {
    assert.equal(after[i].name, before[i].name);
    assert.equal(after[i].startLine, before[i].startLine + 3);
    assert.equal(after[i].endLine, before[i].endLine + 3);
    assert.equal(after[i].nameLine, before[i].nameLine + 3);
  }
});

test('details: static, parameters, body', async () => {
  const d = await cs.functionsDetailIn(FIXTURE);
  const by = Object.fromEntries(d.map((f) => [f.name, f]));
  assert.equal(by.add.isStatic, true);
  assert.equal(by.hash.isInline, true);
  assert.equal(by.name_of.isStatic, false);
  assert.deepEqual(by.name_of.params, ['const struct foo *f', 'size_t n']);
  assert.deepEqual(by.cond.params, []);
  assert.deepEqual(by.va.params, ['const char *fmt', '...']);
  assert.match(by.hash.body, /^\{\n  unsigned long h = 5381;[\s\S]*return h;\n\}$/);
  assert.equal(FIXTURE.slice(by.add.startIndex, by.add.endIndex), 'static int add(int a, int b) { return a + b; }');
});

test('a syntax error does not hide the functions around it', async () => {
  const fns = await cs.functionsIn('int a(void) { return 1; }\nint b(void) { return (; }\nint c(void) { return 3; }\n');
  const names = fns.map((f) => f.name);
  assert.ok(names.includes('a') && names.includes('c'), names.join(','));
});

test('empty text and text without functions', async () => {
  assert.deepEqual(await cs.functionsIn(''), []);
  assert.deepEqual(await cs.functionsIn('int x;\nint f(int);\n'), []);
});
