/* test_prompt_weights.c — A1111 emphasis syntax (its own docstring examples, exact weights) and
 * chunking into 77-token chunks with the comma backtrack, using the tiny fixture vocabulary. */
#include "test.h"
#include "text/prompt_weights.h"

typedef struct expect {
    const char *text;
    double weight;
} expect;

static void check_parse(const char *prompt, const expect *want, size_t n) {
    prompt_segment *segs = NULL;
    size_t count = 0;
    CHECK_OK(prompt_parse(prompt, strlen(prompt), &segs, &count));
    CHECK(count == n);
    for (size_t i = 0; i < n && i < count; i++) {
        bool ok = !strcmp(segs[i].text, want[i].text) && fabs(segs[i].weight - want[i].weight) < 1e-12;
        if (!ok)
            fprintf(stderr, "  '%s' segment %zu: got ['%s', %.17g] want ['%s', %.17g]\n", prompt, i, segs[i].text,
                    segs[i].weight, want[i].text, want[i].weight);
        CHECK(ok);
    }
    prompt_segments_free(segs, count);
}

#define CHECK_PARSE(prompt, ...)                                    \
    do {                                                            \
        static const expect want_[] = {__VA_ARGS__};                \
        check_parse(prompt, want_, sizeof want_ / sizeof want_[0]); \
    } while (0)

static void test_parse(void) {
    /* The examples of A1111's parse_prompt_attention docstring, with its printed results. */
    CHECK_PARSE("normal text", {"normal text", 1.0});
    CHECK_PARSE("an (important) word", {"an ", 1.0}, {"important", 1.1}, {" word", 1.0});
    CHECK_PARSE("(unbalanced", {"unbalanced", 1.1});
    CHECK_PARSE("\\(literal\\]", {"(literal]", 1.0});
    CHECK_PARSE("(unnecessary)(parens)", {"unnecessaryparens", 1.1});
    CHECK_PARSE("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).", {"a ", 1.0}, {"house", 1.5730000000000004},
                {" ", 1.1}, {"on", 1.0}, {" a ", 1.1}, {"hill", 0.55}, {", sun, ", 1.1}, {"sky", 1.4641000000000006},
                {".", 1.1});
    /* more */
    CHECK_PARSE("[cat]", {"cat", 1.0 / 1.1});
    CHECK_PARSE("((cat))", {"cat", 1.1 * 1.1});
    CHECK_PARSE("(cat:1.3)", {"cat", 1.3});
    CHECK_PARSE("( cat : 0.7 )", {" cat ", 0.7});
    CHECK_PARSE("cat:1.3)", {"cat:1.3)", 1.0}); /* no open bracket: literal, merged with "cat" */
    CHECK_PARSE("a ) b ]", {"a ) b ]", 1.0});
    CHECK_PARSE("(x:1.2.3)", {"x:1.2.3", 1.1});
    CHECK_PARSE("", {"", 1.0});
    CHECK_PARSE("a BREAK b", {"a", 1.0}, {"BREAK", -1.0}, {"b", 1.0});
    CHECK_PARSE("aBREAK b", {"aBREAK b", 1.0});
    CHECK_PARSE("x\\\\y", {"x\\y", 1.0});
}

static tokenizer *load_tiny(void) {
    tokenizer *tok = NULL;
    CHECK_OK(tokenizer_load(test_data_path("sd15-tiny/model/tokenizer"), &tok));
    return tok;
}

static void test_chunks(void) {
    tokenizer *tok = load_tiny();
    if (!tok) return;
    const int32_t A = 320, COMMA = 267, C = 66, BOS = 998, EOS = 999; /* a</w> ,</w> c */
    prompt_chunks ch;
    /* "a (cat) [a]" -> a</w> 1.0 | c at</w> 1.1 | a</w> 1/1.1 */
    CHECK_OK(prompt_encode(tok, "a (cat) [a]", 11, &ch));
    CHECK(ch.count == 1 && ch.token_count == 4);
    CHECK(ch.ids[0][0] == BOS && ch.ids[0][1] == A && ch.ids[0][2] == C && ch.ids[0][4] == A && ch.ids[0][5] == EOS &&
          ch.ids[0][76] == EOS);
    CHECK(ch.weights[0][0] == 1.0f && ch.weights[0][1] == 1.0f && ch.weights[0][2] == 1.1f && ch.weights[0][3] == 1.1f &&
          ch.weights[0][4] == (float)(1.0 / 1.1) && ch.weights[0][5] == 1.0f && ch.weights[0][76] == 1.0f);
    prompt_chunks_free(&ch);

    /* 70 x "a", ",", 10 x "a": the chunk breaks after the comma, 4 tokens move on */
    char text[1024] = "";
    for (int i = 0; i < 70; i++) strcat(text, "a ");
    strcat(text, ", ");
    for (int i = 0; i < 10; i++) strcat(text, "a ");
    CHECK_OK(prompt_encode(tok, text, strlen(text), &ch));
    CHECK(ch.count == 2);
    if (ch.count == 2) {
        CHECK(ch.ids[0][70] == A && ch.ids[0][71] == COMMA && ch.ids[0][72] == EOS && ch.ids[0][76] == EOS);
        CHECK(ch.ids[1][0] == BOS && ch.ids[1][10] == A && ch.ids[1][11] == EOS);
        CHECK(ch.token_count == 75 + 10);
    }
    prompt_chunks_free(&ch);

    /* 160 tokens without commas: 75 + 75 + 10 */
    text[0] = 0;
    for (int i = 0; i < 160; i++) strcat(text, "a ");
    CHECK_OK(prompt_encode(tok, text, strlen(text), &ch));
    CHECK(ch.count == 3 && ch.ids[2][10] == A && ch.ids[2][11] == EOS && ch.ids[1][76] == EOS && ch.ids[1][75] == A);
    prompt_chunks_free(&ch);

    /* BREAK: two chunks; empty prompt: one chunk of start + end */
    CHECK_OK(prompt_encode(tok, "a BREAK a", 9, &ch));
    CHECK(ch.count == 2 && ch.ids[0][1] == A && ch.ids[0][2] == EOS && ch.ids[1][1] == A);
    prompt_chunks_free(&ch);
    CHECK_OK(prompt_encode(tok, "", 0, &ch));
    CHECK(ch.count == 1 && ch.ids[0][0] == BOS && ch.ids[0][1] == EOS && ch.token_count == 0);
    prompt_chunks_free(&ch);
    CHECK_STATUS(prompt_encode(tok, "(\xff)", 3, &ch), PIXEEN_ERROR_INVALID_ARGUMENT);
    tokenizer_free(tok);
}

/* The chunk limit (PROMPT_MAX_CHUNKS): up to it a prompt works, beyond it a clear error, whether
 * the chunks come from BREAK or from length (issue 15, F6 and F18). */
static void test_chunk_limit(void) {
    tokenizer *tok = load_tiny();
    if (!tok) return;
    prompt_chunks ch;
    size_t cap = 64 * 1024;
    char *text = malloc(cap);
    /* PROMPT_MAX_CHUNKS chunks separated by BREAK: accepted */
    strcpy(text, "a");
    for (int i = 1; i < PROMPT_MAX_CHUNKS; i++) strcat(text, " BREAK a");
    CHECK_OK(prompt_encode(tok, text, strlen(text), &ch));
    CHECK(ch.count == PROMPT_MAX_CHUNKS);
    prompt_chunks_free(&ch);
    /* one more: refused, saying the limit */
    strcat(text, " BREAK a");
    CHECK_STATUS(prompt_encode(tok, text, strlen(text), &ch), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(error_message(), "limit is 32 chunks") != NULL);
    CHECK(ch.count == 0 && ch.ids == NULL);
    /* 2000 BREAKs (issue 15's F6: "softmax: empty rows" on the GPU before) */
    text[0] = 0;
    for (int i = 0; i < 2000; i++) strcat(text, "BREAK ");
    CHECK_STATUS(prompt_encode(tok, text, strlen(text), &ch), PIXEEN_ERROR_INVALID_ARGUMENT);
    /* 30000 tokens' worth of words near the 64 KiB prompt bound (F18: minutes and gigabytes before) */
    size_t n = 0;
    while (n + 3 < cap - 1) {
        memcpy(text + n, "a, ", 3);
        n += 3;
    }
    text[n] = 0;
    CHECK_STATUS(prompt_encode(tok, text, n, &ch), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(error_message(), "2400 tokens") != NULL);
    free(text);
    tokenizer_free(tok);
}

int main(void) {
    test_parse();
    test_chunks();
    test_chunk_limit();
    return test_finish();
}
