/* unicode.h — the few Unicode facts the CLIP tokenizer needs: UTF-8 decoding with validation,
 * and character classes matching Python's unicodedata / `regex` module for the scripts prompts
 * use (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic, Thai, CJK, kana, Hangul,
 * fullwidth forms, emoji). Tables are hand-made ranges, not the full Unicode database: a letter
 * outside them is classed as punctuation, which only changes how BPE splits that word.
 * Entry points: utf8_decode, utf8_encode, uni_is_letter, uni_is_number, uni_is_space (regex \s),
 * uni_is_bert_whitespace, uni_is_control, uni_is_cjk, uni_lower. */
#ifndef PIXEEN_TEXT_UNICODE_H
#define PIXEEN_TEXT_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from s[0..len). Returns its length (1..4) or 0 when the bytes are not
 * valid UTF-8 (overlong forms, surrogates, > U+10FFFF and truncation included). */
size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *cp);
/* Writes cp (<= U+10FFFF) as UTF-8 into out (4 bytes room); returns the length. */
size_t utf8_encode(uint32_t cp, uint8_t *out);
/* True when the whole buffer is valid UTF-8; *bad_offset gets the first bad byte otherwise. */
bool utf8_valid(const uint8_t *s, size_t len, size_t *bad_offset);

bool uni_is_letter(uint32_t cp);           /* \p{L} */
bool uni_is_number(uint32_t cp);           /* \p{N} */
bool uni_is_space(uint32_t cp);            /* regex \s (Unicode White_Space) */
bool uni_is_bert_whitespace(uint32_t cp);  /* BasicTokenizer: space, \t, \n, \r, Zs */
bool uni_is_control(uint32_t cp);          /* BasicTokenizer: category C* except \t \n \r */
bool uni_is_cjk(uint32_t cp);              /* BasicTokenizer._is_chinese_char */
/* Python str.lower() for one code point (simple mappings; U+0130 gives 'i' + U+0307, the only
 * two-character result, written to out[1]). Returns the number of code points written. */
int uni_lower(uint32_t cp, uint32_t out[2]);

#endif
