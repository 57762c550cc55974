/* test_tokenizer.c — the CLIP tokenizer against the fixtures' reference ids (transformers'
 * CLIPTokenizer, "basic" mode): all 24 prompts with the tiny vocabulary (committed), and with the
 * real 49408-token vocabulary when ../shared/clip-vocab is present. Also: hostile vocab files. */
#include <cjson/cJSON.h>
#include <stdint.h>

#include "test.h"
#include "text/tokenizer.h"
#include "text/tokenizer_builtin.h"
#include "text/tokenizer_locate.h"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[n] = 0;
    if (len) *len = (size_t)n;
    return buf;
}

/* Checks every prompt of a reference tokenizer.json; returns the number of prompts checked. */
static int check_reference(const tokenizer *tok, const char *ref_path, const int32_t *ids_bin) {
    size_t len;
    char *json = slurp(ref_path, &len);
    CHECK(json != NULL);
    if (!json) return 0;
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *prompts = cJSON_GetObjectItem(root, "prompts");
    int checked = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, prompts) {
        const char *text = cJSON_GetObjectItem(p, "prompt")->valuestring;
        const cJSON *want = cJSON_GetObjectItem(p, "input_ids_basic");
        const cJSON *plain = cJSON_GetObjectItem(p, "ids_plain_basic");
        const cJSON *pieces = cJSON_GetObjectItem(p, "bpe_basic");
        int32_t got[TOKENIZER_CONTEXT];
        size_t n_ids = 0;
        CHECK_OK(tokenizer_encode_padded(tok, text, strlen(text), got, &n_ids));
        int bad = -1;
        for (int i = 0; i < TOKENIZER_CONTEXT; i++) {
            int32_t w = (int32_t)cJSON_GetArrayItem(want, i)->valueint;
            if (got[i] != w && bad < 0) bad = i;
            if (ids_bin && ids_bin[checked * TOKENIZER_CONTEXT + i] != w && bad < 0) bad = 1000 + i;
        }
        CHECK(bad < 0);
        CHECK(n_ids == (size_t)cJSON_GetArraySize(plain));
        if (bad >= 0) fprintf(stderr, "  prompt %d differs at position %d\n", checked, bad);
        /* the pieces, too */
        int32_t *ids = NULL;
        size_t count = 0;
        CHECK_OK(tokenizer_encode(tok, text, strlen(text), &ids, &count));
        for (size_t i = 0; i < count && i < (size_t)cJSON_GetArraySize(pieces); i++) {
            const char *piece = tokenizer_piece(tok, ids[i]);
            const char *wp = cJSON_GetArrayItem(pieces, (int)i)->valuestring;
            if (!piece || strcmp(piece, wp)) {
                fprintf(stderr, "  prompt %d piece %zu: got '%s' want '%s'\n", checked, i, piece ? piece : "?", wp);
                CHECK(0);
                break;
            }
        }
        free(ids);
        checked++;
    }
    cJSON_Delete(root);
    free(json);
    return checked;
}

static void test_tiny(void) {
    tokenizer *tok = NULL;
    CHECK_OK(tokenizer_load(test_data_path("sd15-tiny/model/tokenizer"), &tok));
    if (!tok) return;
    CHECK(tokenizer_bos(tok) == 998 && tokenizer_eos(tok) == 999 && tokenizer_pad(tok) == 999);
    size_t len;
    char *bin = slurp(test_data_path("sd15-tiny/ref/tokenizer_input_ids.bin"), &len);
    CHECK(bin && len == 24 * TOKENIZER_CONTEXT * 4);
    char ref[4096];
    snprintf(ref, sizeof ref, "%s", test_data_path("sd15-tiny/ref/tokenizer.json"));
    CHECK(check_reference(tok, ref, (const int32_t *)bin) == 24);
    free(bin);
    tokenizer_free(tok);
}

static void test_real_vocab(void) {
    /* test_shared_path returns a static buffer: copy each result at once */
    char d[4096], ref[4096];
    const char *dir = test_shared_path("clip-vocab");
    snprintf(d, sizeof d, "%s", dir ? dir : "");
    const char *r = test_shared_path("fixtures/clip-vocab-tokens/tokenizer.json");
    snprintf(ref, sizeof ref, "%s", r ? r : "");
    if (!dir || !r) {
        printf("real CLIP vocabulary absent: skipping that part\n");
        return;
    }
    tokenizer *tok = NULL;
    CHECK_OK(tokenizer_load(d, &tok));
    if (!tok) return;
    CHECK(tokenizer_bos(tok) == 49406 && tokenizer_eos(tok) == 49407);
    CHECK(check_reference(tok, ref, NULL) == 24);
    tokenizer_free(tok);
}

/* The built-in vocabulary (third_party/clip-vocab's merges, the vocabulary built from them) is
 * openai's: every id's piece equals vocab.json's, and the 24 reference prompts tokenize exactly. */
static void test_builtin(void) {
    tokenizer *tok = NULL, *pad = NULL;
    CHECK_OK(tokenizer_load_builtin(false, &tok));
    CHECK_OK(tokenizer_load_builtin(true, &pad));
    if (!tok || !pad) return;
    CHECK(tokenizer_vocab_size(tok) == 49408 && tokenizer_builtin_vocab_size() == 49408);
    CHECK(tokenizer_bos(tok) == 49406 && tokenizer_eos(tok) == 49407 && tokenizer_pad(tok) == 49407);
    CHECK(tokenizer_pad(pad) == 0); /* "!" (OpenCLIP) */
    char d[4096], ref[4096];
    const char *dir = test_shared_path("clip-vocab");
    snprintf(d, sizeof d, "%s", dir ? dir : "");
    const char *r = test_shared_path("fixtures/clip-vocab-tokens/tokenizer.json");
    snprintf(ref, sizeof ref, "%s", r ? r : "");
    if (dir && r) {
        tokenizer *file = NULL;
        CHECK_OK(tokenizer_load(d, &file));
        int differ = 0;
        for (int32_t id = 0; file && id < 49408; id++) {
            const char *a = tokenizer_piece(tok, id), *b = tokenizer_piece(file, id);
            differ += !a || !b || strcmp(a, b);
        }
        CHECK(differ == 0);
        CHECK(check_reference(tok, ref, NULL) == 24);
        tokenizer_free(file);
    } else {
        printf("../shared/clip-vocab absent: the built-in vocabulary is checked by its size and special ids only\n");
    }
    tokenizer_free(tok);
    tokenizer_free(pad);
}

static void test_hostile(void) {
    tokenizer *tok = NULL;
    const char *merges = "#version: 0.2\na b\n";
    const char *vocab_ok = "{\"a\": 0, \"b\": 1, \"ab</w>\": 2, \"<|startoftext|>\": 3, \"<|endoftext|>\": 4}";
    CHECK_OK(tokenizer_load_memory(vocab_ok, strlen(vocab_ok), merges, strlen(merges), NULL, 0, &tok));
    int32_t ids[TOKENIZER_CONTEXT];
    CHECK_STATUS(tokenizer_encode_padded(tok, "a\xff", 2, ids, NULL), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(tokenizer_encode_padded(tok, "\xc0\xaf", 2, ids, NULL), PIXEEN_ERROR_INVALID_ARGUMENT);
    tokenizer_free(tok);
    tok = NULL;
    /* invalid UTF-8 in a vocab key and in merges */
    const char vocab_bad[] = "{\"a\xff\": 0, \"<|startoftext|>\": 3, \"<|endoftext|>\": 4}";
    CHECK_STATUS(tokenizer_load_memory(vocab_bad, strlen(vocab_bad), merges, strlen(merges), NULL, 0, &tok),
                 PIXEEN_ERROR_TOKENIZER);
    CHECK(strstr(error_message(), "UTF-8") != NULL);
    const char merges_bad[] = "#v\na \xed\xa0\x80\n"; /* a UTF-16 surrogate */
    CHECK_STATUS(tokenizer_load_memory(vocab_ok, strlen(vocab_ok), merges_bad, strlen(merges_bad), NULL, 0, &tok),
                 PIXEEN_ERROR_TOKENIZER);
    CHECK(strstr(error_message(), "merges.txt") != NULL);
    const char *not_object = "[1,2]";
    CHECK_STATUS(tokenizer_load_memory(not_object, strlen(not_object), merges, strlen(merges), NULL, 0, &tok),
                 PIXEEN_ERROR_TOKENIZER);
    const char *no_special = "{\"a\": 0}";
    CHECK_STATUS(tokenizer_load_memory(no_special, strlen(no_special), merges, strlen(merges), NULL, 0, &tok),
                 PIXEEN_ERROR_TOKENIZER);
    CHECK(strstr(error_message(), "<|startoftext|>") != NULL);
    const char *huge_id = "{\"a\": 99999999999, \"<|startoftext|>\": 3, \"<|endoftext|>\": 4}";
    CHECK_STATUS(tokenizer_load_memory(huge_id, strlen(huge_id), merges, strlen(merges), NULL, 0, &tok),
                 PIXEEN_ERROR_TOKENIZER);
    /* pad token from the config (SD 2.x names "!") */
    const char *vocab_bang = "{\"!\": 0, \"a\": 1, \"<|startoftext|>\": 3, \"<|endoftext|>\": 4}";
    const char *config = "{\"pad_token\": {\"content\": \"!\"}}";
    CHECK_OK(tokenizer_load_memory(vocab_bang, strlen(vocab_bang), merges, strlen(merges), config, strlen(config), &tok));
    if (tok) {
        CHECK(tokenizer_pad(tok) == 0);
        CHECK_OK(tokenizer_encode_padded(tok, "a", 1, ids, NULL));
        CHECK(ids[0] == 3 && ids[2] == 4 && ids[3] == 0 && ids[76] == 0);
    }
    tokenizer_free(tok);
    tok = NULL;
    CHECK_STATUS(tokenizer_load(test_data_path("no-such-folder"), &tok), PIXEEN_ERROR_TOKENIZER);
    CHECK(strstr(error_message(), "vocab.json") != NULL);
}

/* Lookup order: explicit folder, the model's, then $XDG_DATA_HOME/pixeen/tokenizers/clip. */
static void test_locate(void) {
    char dir[4096], tiny[4096];
    snprintf(tiny, sizeof tiny, "%s", test_data_path("sd15-tiny/model/tokenizer"));
    CHECK_OK(tokenizer_locate(tiny, "/nonexistent", false, "m", dir, sizeof dir));
    CHECK(!strcmp(dir, tiny));
    CHECK_STATUS(tokenizer_locate("/nonexistent", tiny, false, "m", dir, sizeof dir), PIXEEN_ERROR_TOKENIZER);
    CHECK_OK(tokenizer_locate(NULL, tiny, false, "m", dir, sizeof dir));
    CHECK(!strcmp(dir, tiny));
    const char *old = getenv("XDG_DATA_HOME");
    char saved[4096];
    snprintf(saved, sizeof saved, "%s", old ? old : "");
    setenv("XDG_DATA_HOME", "/nonexistent-data", 1);
    CHECK_STATUS(tokenizer_locate(NULL, NULL, false, "model.safetensors", dir, sizeof dir), PIXEEN_ERROR_TOKENIZER);
    CHECK(strstr(error_message(), "model.safetensors") && strstr(error_message(), "--tokenizer DIR") &&
          strstr(error_message(), "/nonexistent-data/pixeen/tokenizers/clip/"));
    /* a data folder laid out as documented is found */
    char data[4096];
    snprintf(data, sizeof data, "%s", test_data_path("tokenizer-data-home"));
    setenv("XDG_DATA_HOME", data, 1);
    CHECK_OK(tokenizer_locate(NULL, NULL, false, "m", dir, sizeof dir));
    CHECK(strstr(dir, "tokenizer-data-home/pixeen/tokenizers/clip") != NULL);
    if (old) setenv("XDG_DATA_HOME", saved, 1);
    else unsetenv("XDG_DATA_HOME");
}

int main(void) {
    test_locate();
    test_tiny();
    test_real_vocab();
    test_builtin();
    test_hostile();
    return test_finish();
}
