#!/usr/bin/env node
/* gen_bert_cases.js — expected BERT WordPiece ids from an independent reference.
 *
 * The reference is the npm package @huggingface/tokenizers@0.2.0 (the pure
 * JavaScript tokenizers of transformers.js), given a tokenizer.json built here
 * from the real bert-base-uncased vocab.txt in ../shared, with the normalizer,
 * pre-tokenizer, model and post-processor of bert-base-uncased's own
 * tokenizer.json. Install it outside the repo, then run:
 *
 *     mkdir -p /tmp/bertref && (cd /tmp/bertref && npm install @huggingface/tokenizers@0.2.0)
 *     node tests/tokenizer/gen_bert_cases.js /tmp/bertref/node_modules/@huggingface/tokenizers \
 *          ../shared > tests/tokenizer/bert_cases.json
 *
 * Deterministic (seeded): re-running reproduces the committed file.
 *
 * Each case: {"kind", "valid", "text" | "hex", "ids", "ids_special", "types"}
 *   - "ids": the plain pieces (add_special_tokens false);
 *   - "ids_special", "types": [CLS] A [SEP] (B [SEP]) and token types. A pair
 *     case's text is A + " ||| " + B, the CLI's separator; the reference gets
 *     A and text_pair B;
 *   - "hex": the UTF-8 bytes, when the text holds U+0000 (cJSON cannot);
 *   - invalid UTF-8: "hex" is the raw bytes, "first_invalid" the offset of the
 *     first bad sequence, "sanitized_hex" what TextDecoder makes of them (one
 *     U+FFFD per maximal invalid subpart; the normalizer then drops U+FFFD),
 *     and the ids are the reference's for that text.
 *
 * Left out on purpose, where the reference deviates from BERT's definition
 * (documented in tests/tokenizer/README.md): CJK ideographs outside the BMP
 * (it scans UTF-16 units, so gets no spaces around them), and unassigned code
 * points (it keeps Cn; BERT drops them as control characters).
 */
'use strict';
const fs = require('fs');
const path = require('path');

if (process.argv.length < 4) {
    process.stderr.write('usage: node gen_bert_cases.js PKG_DIR SHARED_DIR > bert_cases.json\n');
    process.exit(2);
}
const [pkgDir, sharedDir] = process.argv.slice(2);
const meta = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf-8'));
if (meta.name !== '@huggingface/tokenizers' || meta.version !== '0.2.0') {
    process.stderr.write(`expected @huggingface/tokenizers@0.2.0 in ${pkgDir}, found ${meta.name}@${meta.version}\n`);
    process.exit(1);
}
const { Tokenizer } = require(path.join(path.resolve(pkgDir), 'dist', 'tokenizers.cjs'));

// --- tokenizer.json from vocab.txt, as bert-base-uncased ships it
const lines = fs.readFileSync(path.join(sharedDir, 'tokenizers', 'bert-base-uncased', 'vocab.txt'), 'utf-8')
    .split('\n');
if (lines[lines.length - 1] === '') lines.pop();
const vocab = {};
lines.forEach((t, i) => { vocab[t] = i; });
const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const tj = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: special.map((s) => ({ id: vocab[s], content: s, single_word: false, lstrip: false,
                                        rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null,
                  lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
                 { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
               { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } },
               { SpecialToken: { id: '[SEP]', type_id: 1 } }],
        special_tokens: {
            '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] },
            '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] },
        },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##',
             max_input_chars_per_word: 100, vocab },
};
if (process.env.BERT_TOKENIZER_JSON) fs.writeFileSync(process.env.BERT_TOKENIZER_JSON, JSON.stringify(tj));
const tok = new Tokenizer(tj, {});
const SEP = ' ||| ';

// --- deterministic random numbers (xorshift32)
let state = 0x2545F491;
function rnd() {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state / 4294967296;
}
const choose = (a) => a[Math.floor(rnd() * a.length)];
const between = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const charIn = (lo, hi) => String.fromCodePoint(between(lo, hi));

const cases = [];
function reference(a, b) {
    const plain = tok.encode(a, { text_pair: b, add_special_tokens: false }).ids;
    const full = tok.encode(a, { text_pair: b, add_special_tokens: true, return_token_type_ids: true });
    return { ids: b === null ? plain : null, ids_special: full.ids, types: full.token_type_ids };
}
function add(kind, text) {
    const at = text.indexOf(SEP);
    const r = at < 0 ? reference(text, null) : reference(text.slice(0, at), text.slice(at + SEP.length));
    const c = { kind, valid: true, text };
    if (r.ids) c.ids = r.ids;
    c.ids_special = r.ids_special;
    c.types = r.types;
    if (text.includes('\u0000')) c.hex = Buffer.from(text, 'utf-8').toString('hex');
    cases.push(c);
}
function addBytes(kind, hex) {
    const bytes = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
    let valid = true;
    try { new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch (e) { valid = false; }
    if (valid) throw new Error(`case ${hex} is valid UTF-8`);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const r = reference(text, null);
    cases.push({ kind, valid: false, hex: bytes.toString('hex'),
                 first_invalid: Buffer.from(text.slice(0, text.indexOf('\uFFFD')), 'utf-8').length,
                 sanitized_hex: Buffer.from(text, 'utf-8').toString('hex'), ids: r.ids,
                 ids_special: r.ids_special, types: r.types });
}

const written = {
    english: [
        'The cat sat on the mat.', 'Hello, world!', 'What does BERT look at?', 'unaffable', 'UNAFFABLE',
        'The quick brown fox jumps over the lazy dog.', 'attnscope shows every attention head.',
        'Transformers use multi-head self-attention.', 'playing played plays player', 'A', 'a', 'I',
        'tokenization', 'Antidisestablishmentarianism', 'supercalifragilisticexpialidocious',
        'e-mail: someone@example.com', 'https://example.org/path?q=1&x=y#frag', 'snake_case = camelCase + 1;',
        '"Quoted," she said. "Yes."', '(parenthetical) [bracketed] {braced} <angled>', "don't can't won't",
        "it's O'Neil's rock'n'roll", 'U.S.A. vs. U.K.', 'Mr. Darcy and Mrs. Bennet', 'C++ and C#',
    ],
    masks: [
        'The [MASK] sat on the mat.', '[MASK]', '[MASK][MASK]', 'a[MASK]b', '[mask] is lowercase text',
        '[CLS] already [SEP] here', '[UNK] [PAD]', 'The [MASK] of [MASK] is [MASK].', '[MASK ] [ MASK]',
        '[[MASK]]', 'Paris is the [MASK] of France.', 'ΣΑΣ[MASK]ΣΑΣ', '[SEP][SEP]', '[MASK]ing',
    ],
    accents: [
        'café', 'naïve résumé', 'Crème brûlée', 'Zürich Straße', 'São Paulo', 'Ångström', 'Æsir Œuvre',
        'ñandú piñata', 'Dvořák', 'Łódź', 'İstanbul ılık', 'Ελληνικά γλώσσα', 'Русский язык, ёжик',
        'e\u0301 combining acute', 'n\u0303 tilde', 'a\u0308\u0301 stacked', 'Việt Nam', 'façade',
        'ﬁnancial ﬂow (ligatures)', 'Ǆemal ǅ ǆ', 'Ω Å K (compatibility letters)', 'x\u0345\u0323y',
    ],
    sigma: [
        'ΟΔΥΣΣΕΥΣ', 'ΣΑΣ', 'Σ', 'ΑΣ', 'ΑΣ.', 'ΑΣΑ', 'Α\u0301Σ', 'ΑΣ\u0301', 'ΑΣ\u0301Α', 'Α.Σ',
        'ΆΣ Ω', 'ΑΣ\'Β', 'ΑΣ1', 'σοφίΣ', 'ΣΟΦΟΣ ΑΝΗΡ', "Α'Σ", 'ΑΣ\u00adΒ',
    ],
    cjk: [
        '你好，世界', '中文分词测试', '日本語のテキスト', 'ひらがな カタカナ', '한국어 텍스트', '漢字かな交じり文',
        '東京タワー', '北京 上海 广州', '「引用」『二重』', '、。，！？', '繁體中文測試', '中English混合text',
        '㐀㐁 extension A', '豈更 compatibility', 'ｶﾀｶﾅ halfwidth', '안녕하세요', '가각갂',
    ],
    scripts: [
        'مرحبا بالعالم', 'שָׁלוֹם עולם', 'नमस्ते दुनिया', 'สวัสดีชาวโลก', 'Բարեւ', 'ሰላም', 'ᚠᚢᚦᚨᚱᚲ',
        'Γειά σου Κόσμε', 'Здравствуй, мир!', 'ქართული', 'தமிழ்', 'Ελλάδα 2024', 'Türkçe ğüşıöç',
    ],
    punctuation: [
        '...', '!!!???', '--', '— em dash — and – en dash –', '#hashtag @mention $dollar %percent ^caret &amp *star',
        '","', '"],["', ',,,,,,', '"""', '!?!?', '.....', '*****', '=====', '_____', '\\\\\\', '~`|',
        '¿Qué? ¡Sí!', '«guillemets» „low“ ‚single‘', '§ ¶ † ‡ • · …', '→ ← ↑ ↓', '© ® ™', '€ £ ¥ ₹',
        '∑ ∫ √ ∞ ≠ ≤ ≥', 'a+b=c', 'x<y>z', '$100.00', '50%', 'a/b\\c', '〜〜', '・', '‼ ⁇',
    ],
    digits: [
        '0', '12', '12345', '3.14159', '1,000,000', '2026-11-30', '10:45pm', '+1 (555) 123-4567', 'v1.2.3',
        'x86_64', 'a1b2c3', '0x1F600', '1e-9', '007', '١٢٣ Arabic-Indic', '０１２ fullwidth', '² ³ ½ ¾ Ⅻ ⅻ',
        '१२३', '9999999999999999999999', '①②③',
    ],
    emoji: [
        '😀', '😀😃😄', 'I ❤️ NY', '👍🏽', '👨‍👩‍👧‍👦 family', '🇫🇷🇯🇵 flags', '🏳️‍🌈', 'emoji 🎉 party 🎊',
        '✨✨✨', '☃ ☂ ☀', '🐍 python', 'x😀y', '🤖robot', '⌚⌛', '1️⃣', '©️',
    ],
    space_control: [
        ' ', '  ', 'a  b', 'a\tb', '\t', '\n', 'line one\nline two', 'crlf\r\nline', '\r', 'x\u000by', 'x\u000cy',
        'a\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u2028b', 'a\u2029b', 'a\u202fb', 'a\u1680b', '\ufeffBOM',
        'a\ufeffb', 'a\u0085b', 'a\u180eb', 'a\u200bb', 'a\u200db', 'soft\u00adhyphen', '\u0000nul', 'a\u0000b',
        '\u0001\u0002\u001f ctl', '\u007fdel', 'a\ue000b private use', 'a\u{F0000}b', 'a\u2066b\u2069',
        '\u0600\u0601 Arabic format', 'x\ufffdy replacement char',
    ],
};
for (const [kind, list] of Object.entries(written)) for (const t of list) add(kind, t);

// --- very long words: the 100-character limit counts characters, not bytes
for (const n of [99, 100, 101, 150, 400]) add('long_word', 'a'.repeat(n));
add('long_word', 'é'.repeat(100));
add('long_word', 'é'.repeat(101));
add('long_word', '😀'.repeat(60));
add('long_word', 'x'.repeat(100) + ' ok ' + 'y'.repeat(101));
add('long_word', 'pneumonoultramicroscopicsilicovolcanoconiosis');
add('long_word', 'ab'.repeat(60) + '!' + 'cd'.repeat(30));
add('long_text', 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(6));

// --- sentence pairs
const pairs = [
    ['The cat sat on the mat.', 'It was happy.'], ['Who are you?', 'I am BERT.'], ['a', 'b'],
    ['[MASK] is here', 'and [MASK] there'], ['café', 'CAFÉ'], ['你好', '世界'], ['', 'empty A'],
    ['empty B', ''], ['one ||| two', 'three'], ['😀', '😀😀'], ['ΟΔΟΣ', 'ΟΔΟΣ'], ['x'.repeat(120), 'short'],
    ['  spaced  ', '\ttabbed\n'], ['1,000', '2.5'], ["don't", "won't"], ['The [MASK] sat.', '[SEP]'],
];
for (const [a, b] of pairs) add('pair', a + SEP + b);

// --- English from the public-domain corpus
for (const f of ['austen_emma.txt', 'austen_persuasion.txt', 'kjv.txt', 'jargon.txt', 'devil.txt', 'cfi_en.txt']) {
    const body = fs.readFileSync(path.join(sharedDir, 'corpus', f), 'utf-8');
    for (let i = 0; i < 8; i++) {
        const from = Math.floor(body.length * (i + 0.5) / 8.5);
        add('corpus', Array.from(body.slice(from, from + between(30, 300))).filter((ch) => ch !== '\uFFFD').join(''));
    }
}
for (let i = 0; i < 12; i++) {
    const body = fs.readFileSync(path.join(sharedDir, 'corpus', 'austen_prideprejudice.txt'), 'utf-8');
    const from = Math.floor(body.length * (i + 0.3) / 12.3);
    const a = body.slice(from, from + between(20, 120)), b = body.slice(from + 200, from + 200 + between(20, 120));
    add('corpus_pair', Array.from(a).join('') + SEP + Array.from(b).join(''));
}

// --- generated mixtures, from blocks stable across Unicode 14 (Python) and 15 (Node)
const makers = {
    word: () => choose(['the', 'of', 'Attention', 'HEAD', 'token', 'BERT', 'masked', 'x', 'QKV', 'softmax', 'unaffable']),
    digits: () => String(between(0, 10 ** between(1, 7))),
    punct: () => choose(['.', ',', '!', '?', ';', ':', '"', "'", '(', ')', '[', ']', '-', '...', '/', '&', '*', '#',
                         '@', '_', '=', '+', '<', '>', '|', '{', '}', '`', '~', '$', '%', '^', '\\', '¡', '¿', '—', '…']),
    space: () => choose([' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u2009', '\u2028']),
    latin1: () => charIn(0xC0, 0xFF),
    latin_ext: () => charIn(0x100, 0x17F),
    greek: () => charIn(0x391, 0x3A9).replace('\u03a2', 'Σ') + choose(['', '', '\u0301']),
    cyrillic: () => charIn(0x400, 0x44F),
    cjk: () => charIn(0x4E00, 0x9FA5),
    kana: () => charIn(0x3041, 0x3093),
    hangul: () => charIn(0xAC00, 0xD7A3),
    arabic: () => charIn(0x627, 0x64A),
    devanagari: () => charIn(0x915, 0x939) + choose(['', '\u093F', '\u0947', '\u094D', '\u0902']),
    combining: () => choose(['e', 'A', 'o', 'N']) + charIn(0x300, 0x36F),
    emoji: () => charIn(0x1F600, 0x1F64F),
    symbol: () => choose(['∑', '√', '∞', '≈', '→', '€', '©', '°', '±', '×', '÷', '♠', '★', '✓', '½', '²', 'Ⅳ']),
    mask: () => choose(['[MASK]', '[SEP]', '[CLS]', '[mask]']),
};
const makerNames = Object.keys(makers);
const build = (names, n) => Array.from({ length: n }, () => makers[choose(names)]()).join('');
for (let i = 0; i < 40; i++) add('mix_english', build(['word', 'word', 'word', 'space', 'space', 'punct', 'digits'], between(2, 30)));
for (let i = 0; i < 40; i++) add('mix_unicode', build(makerNames, between(1, 30)));
for (let i = 0; i < 20; i++) add('mix_letters', build(['latin1', 'latin_ext', 'greek', 'cyrillic', 'cjk', 'kana',
                                                      'hangul', 'combining', 'space'], between(1, 25)));
for (let i = 0; i < 10; i++) add('mix_pair', build(makerNames, between(1, 12)) + SEP + build(makerNames, between(1, 12)));

// --- invalid UTF-8
const badHex = [
    '80', 'bf', '41 80 42', 'c0 80', 'c1 bf', 'c2', 'c2 41', 'e0 80 80', 'e2 82', 'e2 28 a1', 'ed a0 80',
    'f0 80 80 80', 'f0 9f 98', 'f4 90 80 80', 'f5 80 80 80', 'fe ff', '48 65 6c 6c 6f 20 ff 77 6f 72 6c 64',
    'e4 bd a0 e5 a5 bd e4 bd', 'c3 a9 c3', '61 c3 28 62', '5b 4d 41 53 4b 5d ff 5b 4d 41 53 4b 5d',
    '63 61 66 c3', '61 ff 62 ff 63',
];
for (const h of badHex) addBytes('invalid_utf8', h);

process.stdout.write('[\n' + cases.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n');
process.stderr.write(`${cases.length} cases (${cases.filter((c) => !c.valid).length} invalid UTF-8)\n`);
